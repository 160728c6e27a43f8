"""The data dictionary on the site: the package's descriptor, and a page that reads it.

``/-/package/datapackage.json``
    The Frictionless descriptor published beside the database (``datapackage.json`` of the
    build), as a file.
``/-/dictionary``
    Every resource of the package contract (``package/resources.yml``) with its title and
    description in both languages, its keys, and each field with its type, constraints and
    zh/en description; each table page links to its resource here (``#res-<name>``), and each
    field has its own anchor (``#<resource>.<field>``).
"""

from __future__ import annotations

import json
from typing import Any

from datasette.utils.asgi import NotFound, Response

from ..package import schema
from . import snapshot
from .metadata import site


async def descriptor(datasette: Any, request: Any) -> Response:
    """``/-/package/datapackage.json`` of the build the site serves."""
    raw = snapshot.read(datasette, "datapackage.json")
    if raw is None:
        raise NotFound("没有 datapackage.json / the package descriptor is not beside the database")
    return Response(
        raw.decode("utf-8"),
        content_type="application/json; charset=utf-8",
        headers={"cache-control": "max-age=3600"},
    )


def constraints_text(constraints: dict[str, Any] | None) -> str:
    """A field's constraints, as read: ``required, unique, ≥ 0, one of: pass, fail``.

    >>> constraints_text({"required": True, "minimum": 0, "enum": ["a", "b"]})
    'required, ≥ 0, one of: a, b'
    """
    if not constraints:
        return ""
    out = []
    for key, value in constraints.items():
        if key in ("required", "unique") and value:
            out.append(key)
        elif key == "minimum":
            out.append(f"≥ {value}")
        elif key == "maximum":
            out.append(f"≤ {value}")
        elif key == "enum":
            out.append("one of: " + ", ".join(map(str, value)))
        elif key == "pattern":
            out.append(f"pattern {value}")
        else:
            out.append(f"{key} {json.dumps(value, ensure_ascii=False)}")
    return ", ".join(out)


def entries() -> list[dict[str, Any]]:
    """Each resource and its fields, as the page shows them."""
    out = []
    for res in schema.resources():
        keys = {
            fk_field: fk["reference"]["resource"]
            for fk in res.get("foreign_keys", [])
            for fk_field in fk["fields"]
        }
        out.append(
            {
                "name": res["name"],
                "title": schema.bilingual(res["title_zh"], res["title_en"]),
                "description_zh": res["description_zh"],
                "description_en": res["description_en"],
                "primary_key": res["primary_key"],
                "fields": [
                    {
                        "name": f["name"],
                        "title": schema.bilingual(f["title_zh"], f["title_en"]),
                        "type": f["type"],
                        "unit": f.get("unit"),
                        "constraints": constraints_text(f.get("constraints")),
                        "references": keys.get(f["name"]),
                        "description_zh": f["description_zh"],
                        "description_en": f["description_en"],
                    }
                    for f in res["fields"]
                ],
            }
        )
    return out


async def page(datasette: Any, request: Any) -> Response:
    """``/-/dictionary``."""
    return Response.html(
        await datasette.render_template(
            "ogi_dictionary.html",
            {
                "resources": entries(),
                "db": site()["database"],
                "has_descriptor": snapshot.fd(datasette, "datapackage.json") is not None,
            },
            request=request,
        )
    )
