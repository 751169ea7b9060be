import pytest
from django.core.management import CommandError, call_command

from kern import invariants


def test_check_invariants_passes_on_a_consistent_database(db, capsys):
    call_command("check_invariants")
    out = capsys.readouterr().out
    assert "voorraad.ledger_matches_balances" in out
    assert "✘" not in out


def test_check_invariants_fails_naming_the_broken_rule(db, capsys, monkeypatch):
    monkeypatch.setitem(
        invariants._registry,
        "test.broken",
        invariants.Invariant("test.broken", "always broken", lambda: ["record 7 is wrong"]),
    )
    with pytest.raises(CommandError, match=r"^1 \D+\d+ "):
        call_command("check_invariants")
    out = capsys.readouterr().out
    assert "✘ test.broken" in out and "record 7 is wrong" in out
    assert invariants.violations() == {"test.broken": ["record 7 is wrong"]}
