"""Field normalisers shared by the adapters: partial dates, writing scripts, stable ids.

Lists write dates as `12 Jan 1970`, `1970-01-12`, `12.1.1970`, `circa 1970` or a bare year;
the entry model keeps ISO strings that may be partial ('1970', '1970-01', '1970-01-12') so a
year-only DOB stays a year and is never padded into a wrong exact day.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), start=1)}
_DAY_MON_YEAR = re.compile(r"\b(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})\b")
_MON_YEAR = re.compile(r"\b([A-Za-z]{3})[a-z]* (\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DOTTED = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b")
_YEAR = re.compile(r"\b(1[89]\d{2}|20\d{2})\b")
# Unicode character-name prefixes → ISO 15924 codes, for the scripts the lists actually use.
_SCRIPTS = {"ARABIC": "Arab", "CYRILLIC": "Cyrl", "HANGUL": "Hang", "CJK": "Hani", "HEBREW": "Hebr",
            "GREEK": "Grek", "DEVANAGARI": "Deva", "THAI": "Thai", "GEORGIAN": "Geor", "ARMENIAN": "Armn",
            "HIRAGANA": "Jpan", "KATAKANA": "Jpan", "ETHIOPIC": "Ethi", "MYANMAR": "Mymr", "KHMER": "Khmr"}


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def partial_date(text: str) -> str | None:
    """The first date in `text` as a possibly partial ISO string, or None."""
    if m := _ISO.search(text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        return f"{y:04d}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else None
    if (m := _DAY_MON_YEAR.search(text)) and m[2].lower() in _MONTHS:
        y, mo, d = int(m[3]), _MONTHS[m[2].lower()], int(m[1])
        return f"{y:04d}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else None
    if m := _DOTTED.search(text):
        y, mo, d = int(m[3]), int(m[2]), int(m[1])
        return f"{y:04d}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else None
    if (m := _MON_YEAR.search(text)) and m[1].lower() in _MONTHS:
        return f"{int(m[2]):04d}-{_MONTHS[m[1].lower()]:02d}"
    if m := _YEAR.search(text):
        return m[1]
    return None


def year_range(start: int, end: int) -> tuple[str, ...]:
    """Every year of a 'between' DOB, so a matcher can compare years without knowing ranges."""
    return tuple(str(y) for y in range(start, end + 1)) if 0 <= end - start <= 30 else (str(start), str(end))


def full_date(text: str) -> date | None:
    """A listing date; None when the text holds no complete day."""
    found = partial_date(text)
    return date.fromisoformat(found) if found and len(found) == 10 else None


def script_of(name: str) -> str | None:
    """ISO 15924 code of the first non-Latin script in `name`; None for Latin-only names."""
    for ch in name:
        if not ch.isalpha() or ord(ch) < 0x250:
            continue
        prefix = unicodedata.name(ch, "").split(" ")[0]
        if prefix in _SCRIPTS:
            return _SCRIPTS[prefix]
    return None


def clean(text: str | None) -> str:
    """Collapse runs of whitespace (feeds pad names and wrap long XML values over lines)."""
    return " ".join(text.split()) if text else ""


def stable_id(*parts: str) -> str:
    """A short id from content, for rows whose source has no identifier of its own."""
    return "h" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]
