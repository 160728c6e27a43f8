"""The data contract (``resources.yml``) and the descriptors generated from it.

>>> [r["name"] for r in resources()][:3]
['issuers', 'reports', 'sections']
>>> table_schema("checks")["primaryKey"]
['report_id', 'check', 'subject']
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from .. import formats


@cache
def contract() -> dict[str, Any]:
    """The whole contract: package metadata and resources."""
    text = files(__name__.rpartition(".")[0]).joinpath("resources.yml").read_text(encoding="utf-8")
    return formats.load_yaml(text)  # type: ignore[no-any-return]


def resources() -> list[dict[str, Any]]:
    """Resource definitions in package order."""
    return contract()["resources"]  # type: ignore[no-any-return]


def resource(name: str) -> dict[str, Any]:
    """One resource definition by name."""
    return next(r for r in resources() if r["name"] == name)


def field_names(name: str) -> list[str]:
    """Column names of a resource, in order."""
    return [f["name"] for f in resource(name)["fields"]]


def bilingual(zh: str, en: str) -> str:
    """A title in both languages, as shown to people: ``收到申请数 / Requests received``."""
    return f"{zh} / {en}"


def field_description(name: str, field: dict[str, Any]) -> str:
    """English then Chinese description, with the unit and, for summary fields, the mapping."""
    en, zh = field["description_en"], field["description_zh"]
    if field.get("unit"):
        en, zh = f"{en} Unit: {field['unit']}.", f"{zh}单位：{field['unit']}。"
    counts = name == "summary" and field["name"] not in ("report_id", "year", "issuer", "generation")
    mapping = summary_mapping_text(field["name"]) if counts else ""
    return f"{en}{mapping}\n{zh}"


def summary_mapping_text(field_name: str) -> str:
    """How each table family's rows feed a summary column, as sentences."""
    from ..summarise import mappings

    labels = {i["code"]: i["label_zh"] for i in formats.indicators()}
    names = {
        "g1_provincial": "Generation 1, provincial table",
        "g1_national": "Generation 1, national-style table",
        "gen2": "Generation 2",
        "gen3": "Generation 3",
    }
    parts = []
    for family, mapping in mappings().items():
        codes = mapping["fields"].get(field_name)
        if not codes:
            parts.append(f"{names[family]}: not stated (empty).")
            continue
        rows = " + ".join(f"{c} ({labels[c]})" for c in codes)
        parts.append(f"{names[family]}: {rows}, {mapping['column']} column.")
    return " " + " ".join(parts)


def table_schema(name: str) -> dict[str, Any]:
    """The Frictionless Table Schema of a resource."""
    res = resource(name)
    fields = []
    for f in res["fields"]:
        out: dict[str, Any] = {
            "name": f["name"],
            "type": f["type"],
            "title": bilingual(f["title_zh"], f["title_en"]),
            "description": field_description(name, f),
        }
        if "format" in f:
            out["format"] = f["format"]
        if f.get("unit"):
            out["unit"] = f["unit"]
        if f.get("constraints"):
            out["constraints"] = f["constraints"]
        fields.append(out)
    schema: dict[str, Any] = {
        "fields": fields,
        "missingValues": [""],
        "primaryKey": res["primary_key"],
    }
    if res.get("foreign_keys"):
        schema["foreignKeys"] = [
            {
                "fields": fk["fields"],
                "reference": {
                    "resource": ""
                    if fk["reference"]["resource"] == name
                    else fk["reference"]["resource"],
                    "fields": fk["reference"]["fields"],
                },
            }
            for fk in res["foreign_keys"]
        ]
    return schema
