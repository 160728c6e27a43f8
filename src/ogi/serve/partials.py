"""The big loops of a page rendered with synchronous Jinja: the rows of table and query pages.

Datasette renders its templates with ``enable_async=True``, so every step of a loop and
every ``{{ … }}`` passes through an async generator. The rows of a page -- 50 rows of up to 30
columns on a table page, up to 1,000 rows on a canned query's -- are most of the work of
rendering it. The same template rendered by a synchronous environment gives the same markup
in less time: 10–20 % less for the whole page (``/ogi/report_rates?province=福建省`` at
10,000 reports: 33 ms instead of 42; ``/ogi/failing_checks?year=2019``: 57 instead of 69).
So the site's ``_table.html`` says only ``{{ ogi_partial("ogi_table_rows.html") }}``, and
``query.html`` ``{{ ogi_partial("ogi_query_rows.html") }}``: :func:`partial` renders that
template synchronously with the page's own context.

A partial must not call coroutine functions (the variables the rows use are plain values and
functions). Its filters are Datasette's (``to_css_class`` …), copied from the page's
environment.
"""

from __future__ import annotations

import weakref
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"

_SYNC: weakref.WeakKeyDictionary[Environment, Environment] = weakref.WeakKeyDictionary()


def _sync_environment(page_env: Environment) -> Environment:
    """A synchronous environment over the site's templates with ``page_env``'s filters."""
    env = _SYNC.get(page_env)
    if env is None:
        env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
        env.filters.update(page_env.filters)
        _SYNC[page_env] = env
    return env


@pass_context
def partial(context: Context, name: str) -> Markup:
    """Template ``name`` of the site's templates, rendered synchronously with ``context``."""
    template = _sync_environment(context.environment).get_template(name)
    return Markup(template.render(context.get_all()))
