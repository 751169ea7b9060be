"""An import-linter contract: no app imports another app's private names.

A name is private when it or a module on its path starts with an underscore
(``from voorraad.documents import _render``, ``import toegang._sql``). Within one app
anything goes; between apps only public names, so what an app offers to the others is
what it chose to offer.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from importlinter import Contract, ContractCheck, fields, output


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def _source_of(module: str) -> Path | None:
    """The file of ``module``, found without importing it: importing a package runs its
    ``__init__``, which may import models before Django is set up."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    for candidate in (base.parent / f"{base.name}.py", base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


class NoPrivateImportsContract(Contract):
    apps = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        apps = set(self.apps)
        offences: list[str] = []
        for module in sorted(graph.modules):
            app = module.split(".")[0]
            if app not in apps:
                continue
            source = _source_of(module)
            if source is None:
                continue
            tree = ast.parse(source.read_text(), filename=str(source))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    other = node.module.split(".")[0]
                    if other == app or other not in apps:
                        continue
                    names = [f"{node.module}.{alias.name}" for alias in node.names]
                elif isinstance(node, ast.Import):
                    names = [
                        alias.name
                        for alias in node.names
                        if alias.name.split(".")[0] in apps - {app}
                    ]
                else:
                    continue
                offences += [
                    f"{module} (l.{node.lineno}) imports {name}" for name in names if _private(name)
                ]
        return ContractCheck(kept=not offences, warnings=None, metadata={"offences": offences})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for offence in check.metadata["offences"]:
            output.print_error(f"- {offence}")
            output.new_line()
