"""Name normalisation: any script and spelling → a tuple of comparable Latin tokens.

Transliteration is rigour's `ascii_text`: its own Rust tables for Latin, Cyrillic, Greek and a few more
scripts, ICU (through normality, which requires PyICU) for Arabic, Urdu, Han and the rest. Honorific
prefixes and legal forms come from rigour's data. What no library does for us is the South-Asian /
Arabic structure of names (domain brief §6.2), so the particles, the father-name markers and the
Muhammad family are handled here as data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from icu import Transliterator
from normality.transliteration import ASCII_SCRIPT
from rigour._core import person_name_prefixes_list
from rigour.names import remove_person_prefixes, replace_org_types_compare
from rigour.text.phonetics import metaphone
from rigour.text.translit import maybe_ascii

# Persian/Urdu letters ICU's Arabic-Latin rules leave as '?' are mapped to their Arabic twins first; ta marbuta
# is read as the '-a' ending the Latin spellings use (Usama, not Usamat).
_PERSIAN = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643", "\u06c1": "\u0647", "\u06c3": "\u0627",
                          "\u0629": "\u0627", "\u06be": "\u0647", "\u06d2": "\u064a", "\u06d3": "\u064a",
                          "\u0679": "\u062a", "\u0688": "\u062f", "\u0691": "\u0631", "\u06ba": "\u0646",
                          "\u06af": "\u0643", "\u0686": "\u062c", "\u067e": "\u0628", "\u0698": "\u0632"})
# "s/o", "son of", "d/o", "w/o" start the father's (or husband's) name in South-Asian documents.
_FATHER = re.compile(r"\b(?:s|d|w)\s*/\s*o\b|\b(?:son|daughter|wife) of\b", re.IGNORECASE)
# rigour's title regex tries each of its ~135 titles (the list below) at the head of a name: several µs a name.
# A name that starts with a letter or digit but not with a title is returned as it is, so a name whose first
# two characters begin no title (every name in a non-Latin script, most in Latin) need not be passed to it.
_TITLE_HEADS = re.compile(  # the lookahead on the first letter alone fails fast for most names
    f"(?=[{''.join(sorted({re.escape(t[:1]) for t in person_name_prefixes_list()}))}])"
    f"(?:{'|'.join(sorted({re.escape(t[:2]) for t in person_name_prefixes_list()}))})", re.IGNORECASE)
# The Arabic article is written joined ("السوداني"): split it off so it drops like a Latin "al-".
_ARABIC_ARTICLE = re.compile("(^|\\s)\u0627\u0644(?=\\S{2})")
# The words of a folded name: maximal runs of letters and digits (what a split on the rest leaves).
_WORD = re.compile(r"[a-z0-9]+")
# Apostrophes and ayn/hamza marks sit inside one word ("Qa'ida"): dropped, not split on.
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02bb\u02be\u02bf]")
# Alternatives written "A/B" in one field are separate names; "s/o" is not an alternative.
_ALTERNATIVES = re.compile(r"(?<![\s/][sdwSDW])/(?![oO]\b)")
# Skeletons fold letters Arabic script does not distinguish (no p, v; one k sound for c/k/q).
_SKELETON_FOLD = str.maketrans({"p": "b", "v": "f", "c": "k", "q": "k"})

# Particles carry no identity: "bin Laden" and "Laden" are the same surname for matching.
# European particles (van, de, von) stay: they are written joined as often as apart ("Vanderbilt").
PARTICLES = frozenset({"al", "el", "ul", "ur", "ud", "ad", "as", "ash", "at", "az", "bin", "ibn", "bint", "binti",
                       "bn"})
# Honorifics and religious titles prefixed to Pakistani and Arabic names (§6.2); clan names such as
# Syed or Khan are kept because they can be the only surname a person has.
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "haji", "hajji", "alhaj", "hafiz",
                        "maulana", "mawlana", "maulvi", "mawlawi", "mullah", "mulla", "mufti", "qari", "shri",
                        "sri", "mian", "janab"})
MUHAMMAD = frozenset({"mohammed", "mohammad", "muhammed", "mohamed", "mohamad", "muhamad", "muhamed", "mohamud",
                      "mohd", "muhd", "md", "mohamet", "mehmet", "mehmed", "mahomet", "mohummad", "mouhamad",
                      "mouhammad", "mhmd", "muhammad"})
# "Abdul Rahman", "Abdurrahman" and "Abd al-Rahman" are one name: all become "abd rahman", which also
# survives reordering ("RAHMAN, ABDUL"). Longer heads first so "abdur" wins over "abdu".
_ABD_HEADS = ("abdul", "abdel", "abdal", "abdur", "abdar", "abdus", "abdas", "abdou", "abdu", "abdi", "abd")
# A head and three or more characters after it, heads tried in `_ABD_HEADS` order (one regex, not a loop of
# startswith per head: every word of every name goes through it).
_ABD_COMPOUND = re.compile(f"({'|'.join(_ABD_HEADS)})(.{{3,}})", re.DOTALL)


@dataclass(frozen=True, slots=True)
class NormalisedName:
    tokens: tuple[str, ...]
    """The person's (or organisation's) own name tokens, order kept, particles and titles removed."""
    father: tuple[str, ...] = ()
    """Tokens after an S/O, D/O or W/O marker: a secondary identifier, not part of the name."""

    @property
    def key(self) -> str:
        return " ".join(sorted(self.tokens))


_ICU = Transliterator.createInstance(ASCII_SCRIPT)
"""normality's transliterator (the one `rigour.text.translit.ascii_text` falls back to), built once."""


@lru_cache(maxsize=100_000)
def _icu_word(word: str) -> str:
    """One space-free chunk through ICU, as `normality.ascii_text` does it (cached: names share words)."""
    result: str = _ICU.transliterate(word)
    return result if result.isascii() else result.encode("ascii", "replace").decode("ascii")


@lru_cache(maxsize=100_000)
def _rigour_word(word: str) -> str:
    """rigour's own transliteration of one word (Latin, Cyrillic, Greek, Hangul, ...; others unchanged)."""
    return maybe_ascii(word)


def ascii_text(text: str) -> str:
    """`rigour.text.translit.ascii_text`, word by word through caches.

    Plain ASCII never reaches a transliterator. Neither rigour's tables nor ICU's transforms look
    across a space, so the space-separated words can be transliterated one by one, and a word seen
    before (given names above all) costs a lookup. A name mixing one of rigour's scripts with
    another script is, as in rigour, handed to ICU after rigour's pass over the whole string.
    """
    if text.isascii():
        return text
    words = text.split(" ")
    rigour = [_rigour_word(word) for word in words]
    joined = " ".join(rigour)
    if joined.isascii():  # every word is (the separator is ASCII)
        return joined
    if rigour == words:
        # No word in one of rigour's scripts: all of it goes to ICU.
        return " ".join([_icu_word(word) for word in words])
    out = maybe_ascii(text)
    if out.isascii():
        return out
    return " ".join([_icu_word(word) for word in out.split(" ")])


def latin(text: str) -> str:
    """Lower-case ASCII transliteration of any script."""
    if text.isascii():
        # Nothing to transliterate: the Persian letters and the joined Arabic article are not ASCII.
        return text.replace("?", "").lower()
    text = text.translate(_PERSIAN)
    if "\u0627\u0644" in text:  # the article regex cannot match without its two letters: skip the scan
        text = _ARABIC_ARTICLE.sub("\\1\u0627\u0644 ", text)
    # ICU writes the ayn (and other letters without an ASCII form) as '?': it carries no vowel or consonant
    # the Latin spellings agree on, so it is dropped ("Ali", not "?ly").
    return ascii_text(text).replace("?", "").lower()


def _abd_split(token: str) -> tuple[str, ...]:
    """Abd- compounds become "abd" + the divine name, however they were joined or spelled."""
    if token.startswith(("abdulla", "abdalla", "abdella")):
        return ("abdullah",)  # Abd-Allah is one common given name, not abd + "la"
    if token in _ABD_HEADS or token == "bd":  # ICU drops the ayn of Arabic "abd", leaving "bd"
        return ("abd",)
    compound = _ABD_COMPOUND.match(token)
    return ("abd", compound.group(2)) if compound else (token,)


@lru_cache(maxsize=100_000)
def _folded(word: str) -> tuple[str, ...]:
    """What one word contributes to a name: nothing for a particle, else its folded spelling.

    Cached: the same given names, particles and Abd- compounds recur across most names.
    """
    if word in PARTICLES:
        return ()
    if word in MUHAMMAD:
        return ("muhammad",)
    return _abd_split(word)


def _initials_joined(words: list[str]) -> list[str]:
    """Runs of three or more single letters are an acronym ("A.B.C." is "ABC")."""
    if sum(len(word) == 1 for word in words) < 3:
        return words  # no run can be long enough (most names): nothing to join
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        out.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if word:
            out.append(word)
    return out


def _words(text: str) -> list[str]:
    """The Latin words of a name, legal forms folded and acronyms joined, before any word is dropped."""
    # latin() returns ASCII, so of the apostrophes only ' and ` can be left to drop.
    folded = replace_org_types_compare(latin(text).replace("'", "").replace("`", ""))
    return _initials_joined(_WORD.findall(folded))


def _tokens(words: list[str], titles: bool = False) -> tuple[str, ...]:
    """The name's tokens: honorifics dropped unless `titles`, particles dropped, each word folded."""
    kept = words if titles else [word for word in words if word not in HONORIFICS]
    return tuple(chain.from_iterable(map(_folded, kept)))


def _father_split(name: str) -> tuple[str, str]:
    """The name and the father's name after an S/O-style marker ("" without one)."""
    if "/" not in name and " of" not in name.lower():
        return name, ""  # every marker has a "/" or a " of": most names have neither and skip the regex
    parts = _FATHER.split(name, maxsplit=1)
    return parts[0], (parts[1] if len(parts) == 2 else "")


def _untitled(name: str) -> str:
    """`remove_person_prefixes`, not called for a name that cannot start with one of its titles."""
    if name[:1].isalnum() and not _TITLE_HEADS.match(name):
        return name
    return remove_person_prefixes(name)


@lru_cache(maxsize=200_000)
def normalise(name: str) -> NormalisedName:
    """Split off the father's name, drop honorifics and particles, fold spellings, keep order."""
    own, father = _father_split(name)
    untitled = _untitled(own)
    words = _words(untitled)
    tokens = _tokens(words)
    if len(tokens) < 2:
        # "Mullah Baradar" stays two parts: stripping the title would turn a surname alone into a full match.
        tokens = _tokens(words if untitled == own else _words(own), titles=True)
    if not tokens:
        # A name made only of particles ("Al") is still a name; keep what there was.
        tokens = tuple(_WORD.findall(_APOSTROPHES.sub("", latin(own))))
    return NormalisedName(tokens=tokens, father=_tokens(_words(father)) if father else ())


def alternatives(name: str) -> list[str]:
    """The separate names a field lists as "A/B" (but not the father-name marker "s/o")."""
    return [part for part in _ALTERNATIVES.split(name) if part.strip()] or [name]


@lru_cache(maxsize=400_000)
def skeleton(token: str) -> str:
    """Consonant skeleton with doubles collapsed: unvowelled Arabic transliterations meet Latin spellings."""
    consonants = [c for c in token.translate(_SKELETON_FOLD) if c not in "aeiouyw"]
    out = [c for i, c in enumerate(consonants) if i == 0 or c != consonants[i - 1]]
    return "".join(out) or token


@lru_cache(maxsize=400_000)
def phonetic(token: str) -> str:
    return metaphone(token) if token.isalpha() else token
