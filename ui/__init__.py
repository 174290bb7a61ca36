"""Streamlit-side helpers; pages import them, they import the simulator, never the reverse.

- ``session``: every session-state key, declared once; widget values kept across pages;
  resets when the plan or chosen set changes; the scenario (plan, revision, language,
  target, confidence, levers).
- ``scenario``: the what-if values to a plan and to the URL, and back (pure).
- ``cache``: every Streamlit cache, each bounded.
- ``summaries``: what the pages show of a simulation, reduced to small values (pure).
- ``errors``: coded errors in the user's language.
- ``i18n``, ``format``: messages; numbers, money and months as a reader expects them.
- ``charts``, ``tables``, ``widgets``: figures; names from the KPI glossary, help texts and
  tables; money inputs in the reader's unit and the lever inputs pages share.
- ``kpi_sets``, ``plans``: the session's plan (a sample or a saved set) and the store.
- ``save``: the "save as KPI set" form and its outcome.
- ``<page>_page``: one page's helpers: its keys, state and callbacks.
"""
