"""Tables the evaluation tests leave for the end-of-run summary (see conftest.py)."""

EVAL_REPORTS: list[tuple[str, str]] = []
