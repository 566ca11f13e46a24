"""What a reader sees of text the pages show as written (app.frame.literal): CommonMark drops the backslash before
each escaped punctuation character. AppTest hands over the Markdown source; tests compare what is seen."""

from __future__ import annotations

import re

import pandas as pd

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def rendered(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def rendered_table(df: pd.DataFrame) -> pd.DataFrame:
    """A st.table's frame as seen: its text cells rendered."""
    return df.apply(lambda column: column.map(lambda v: rendered(v) if isinstance(v, str) else v))
