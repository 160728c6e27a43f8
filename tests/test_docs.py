"""Documentation stays true: every CLI command is in the README, and the README's two
commands are what the Makefile provides."""

from __future__ import annotations

import re

from conftest import ROOT

from ogi.cli import main


def test_every_cli_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert f"ogi {name}" in readme, f"`ogi {name}` is not in the README's CLI reference"
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in readme, f"`ogi {name} {opt}` is not documented"


def test_readme_commands_exist_in_the_makefile() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_changelog_has_an_entry_for_the_current_version() -> None:
    from ogi import __version__

    assert f"## {__version__}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_readme_lists_the_reports_of_the_committed_package() -> None:
    """The README's "Data" section shows the table `scripts/data_table.py` prints for the
    committed package: every report, its issuer, year, generation, form and checks."""
    from ogi.package.contents import reports_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- reports: made by scripts/data_table.py -->\n", "<!-- /reports -->"
    assert start in readme and end in readme
    shown = readme.split(start, 1)[1].split(end, 1)[0]
    assert shown == reports_table(ROOT)


def test_readme_urls_are_percent_encoded_and_every_check_status_is_named() -> None:
    import re

    from ogi.package import schema

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for url in re.findall(r"https?://127\.0\.0\.1:8001/\S*", readme):
        assert not re.search(r"[^\x00-\x7f]", url), url  # curl sends raw Chinese as is
    status = next(f for f in schema.resource("checks")["fields"] if f["name"] == "status")
    table_row = next(line for line in readme.splitlines() if line.startswith("| `checks` |"))
    for value in status["constraints"]["enum"]:
        assert value in table_row, value
