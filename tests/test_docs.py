"""The README's configuration table is generated from the code; it must match."""

from pathlib import Path

from openrcm_devtools.config_table import END, START, render

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_configuration_table_is_current():
    text = README.read_text()
    current = text[text.index(START) + len(START): text.index(END)]
    assert current == render(), "run `.venv/bin/python -m openrcm_devtools.config_table --write`"


def test_readme_opens_with_the_two_commands():
    head = README.read_text().split("\n## ", 1)[0]
    assert "make run" in head and "make test" in head
