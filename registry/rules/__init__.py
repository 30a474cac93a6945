"""The registry's domain rules, one definition each. Import the module that holds the rule:

- ``dates``: certificate calendar and validity on a date, in Python (pure: no models).
- ``transitions``: which status may follow which, and what "active" means (pure: no models).
- ``queries``: the same rules as query expressions (Q forms and annotations), for lists,
  downloads and the bulk check.
- ``codes``: a code's format per market, and advice that does not block saving.
- ``status_changes``: the one service that changes a code's status, and who may.
- ``bulk_check``: whether each of many codes is valid for a market on a date.
- ``tax_codes``: a cooperative's tax code, its format and its check digit (python-stdnum's
  ``stdnum.vn.mst``), and valid codes for sample data and tests (pure: no models).
- ``geometry``: what a valid boundary is and what is derived from it (pure: no models).
- ``boundaries``: the area-mismatch flag (Python and SQL forms), bounding-box queries and
  the overlaps recorded when a boundary is saved.

How keys are written is in ``registry.keys``. This file imports nothing, so the models can
import the pure modules without an import circle.
"""
