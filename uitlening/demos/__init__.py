"""Demo data of the programs around the counter, one module per program (imported by
``uitlening.demo`` after its own part, so their order is fixed)."""
