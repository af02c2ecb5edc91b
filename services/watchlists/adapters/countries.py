"""Country names, adjectives and list-specific spellings → ISO 3166-1 alpha-2.

No country library is installed in the project, so this table holds what the real lists use
(OFAC remarks, UN NATIONALITY values, EU annex texts): official UN names, short names, OFAC's
"Korea, North" style and the EU's adjectives ("Iranian"). A value not found is dropped rather
than guessed: a wrong nationality would wrongly discount a true match.
"""

from __future__ import annotations

import re
import unicodedata

# One country a line: code, then every spelling seen in the lists, separated by "|".
_TABLE = """
AE United Arab Emirates|UAE|Emirati
AF Afghanistan|Afghan|Afgan
AL Albania|Albanian
AM Armenia|Armenian
AO Angola|Angolan
AG Antigua and Barbuda
AR Argentina|Argentinian|Argentine
AT Austria|Austrian
AU Australia|Australian
AZ Azerbaijan|Azerbaijani
BA Bosnia and Herzegovina|Bosnian
BB Barbados
BD Bangladesh|Bangladeshi
BE Belgium|Belgian
BF Burkina Faso|Burkinabe
BG Bulgaria|Bulgarian
BH Bahrain|Bahraini
BI Burundi|Burundian
BO Bolivia|Bolivian
BR Brazil|Brazilian
BY Belarus|Belarusian|Belarussian
BZ Belize
CA Canada|Canadian
CD Democratic Republic of the Congo|Congo, Democratic Republic of the|DRC|Congolese (DRC)
CF Central African Republic|Central African
CG Congo|Republic of the Congo|Congolese
CH Switzerland|Swiss
CI Cote d'Ivoire|Ivory Coast|Ivorian
CL Chile|Chilean
CM Cameroon|Cameroonian
CN China|Chinese
CO Colombia|Colombian
CR Costa Rica
CU Cuba|Cuban
CV Cabo Verde|Cape Verde
CY Cyprus|Cypriot
CZ Czech Republic|Czechia|Czech
DE Germany|German
DJ Djibouti
DK Denmark|Danish
DO Dominican Republic|Dominican
DZ Algeria|Algerian
EC Ecuador|Ecuadorian
EE Estonia|Estonian
EG Egypt|Egyptian
ER Eritrea|Eritrean
ES Spain|Spanish
ET Ethiopia|Ethiopian
FI Finland|Finnish
FR France|French
GB United Kingdom|United Kingdom of Great Britain and Northern Ireland|British|UK
GE Georgia|Georgian
GH Ghana|Ghanaian
GM The Gambia|Gambia|Gambian
GN Guinea|Guinean
GQ Equatorial Guinea
GR Greece|Greek
GT Guatemala|Guatemalan
GW Guinea-Bissau
HK Hong Kong
HN Honduras|Honduran
HR Croatia|Croatian
HT Haiti|Haitian
HU Hungary|Hungarian
ID Indonesia|Indonesian
IE Ireland|Irish
IL Israel|Israeli
IN India|Indian
IQ Iraq|Iraqi
IR Iran|Iran (Islamic Republic of)|Islamic Republic of Iran|Iranian
IT Italy|Italian
JM Jamaica|Jamaican
JO Jordan|Jordanian
JP Japan|Japanese
KE Kenya|Kenyan
KG Kyrgyzstan|Kyrgyz
KH Cambodia|Cambodian
KM Comoros
KN Saint Kitts and Nevis
KP Korea, North|North Korea|Democratic People's Republic of Korea|DPRK|North Korean
KR Korea, South|South Korea|Republic of Korea|South Korean
KW Kuwait|Kuwaiti
KZ Kazakhstan|Kazakh
LB Lebanon|Lebanese
LI Liechtenstein
LK Sri Lanka|Sri Lankan
LR Liberia|Liberian
LT Lithuania|Lithuanian
LU Luxembourg
LV Latvia|Latvian
LY Libya|Libyan
MA Morocco|Moroccan
MD Moldova|Republic of Moldova|Moldovan
ME Montenegro|Montenegrin
MK North Macedonia|North Macedonia, The Republic of|Macedonia, The Former Yugoslav Republic of|Macedonian
ML Mali|Malian
MM Burma|Myanmar|Myanmar/Burma|Burmese
MO Macau|Macao
MR Mauritania|Mauritanian
MT Malta|Maltese
MV Maldives|Maldivian
MX Mexico|Mexican
MY Malaysia|Malaysian
MZ Mozambique|Mozambican
NE Niger|Nigerien
NG Nigeria|Nigerian
NI Nicaragua|Nicaraguan
NL Netherlands|Dutch
NO Norway|Norwegian
NZ New Zealand
OM Oman|Omani
PA Panama|Panamanian
PE Peru|Peruvian
PH Philippines|Filipino|Philippine
PK Pakistan|Pakistani
PL Poland|Polish
PS Palestinian|State of Palestine|Palestine|Region: Gaza
PT Portugal|Portuguese
PY Paraguay|Paraguayan
QA Qatar|Qatari
RO Romania|Romanian
RS Serbia|Serbian
RU Russia|Russian Federation|Russian
RW Rwanda|Rwandan
SA Saudi Arabia|Saudi Arabian|Saudi
SC Seychelles
SD Sudan|Sudanese
SE Sweden|Swedish
SG Singapore|Singaporean
SI Slovenia|Slovenian
SK Slovakia|Slovak
SL Sierra Leone
SN Senegal|Senegalese
SO Somalia|Somali
SS South Sudan|South Sudanese
SV El Salvador|Salvadoran
SY Syria|Syrian Arab Republic|Syrian
TD Chad|Chadian
TG Togo|Togolese
TH Thailand|Thai
TJ Tajikistan|Tajik
TM Turkmenistan|Turkmen
TN Tunisia|Tunisian
TR Turkey|Türkiye|Turkish
TT Trinidad and Tobago
TW Taiwan|Taiwanese
TZ Tanzania|United Republic of Tanzania|Tanzanian
UA Ukraine|Ukrainian
UG Uganda|Ugandan
US United States|United States of America|USA|American
UY Uruguay|Uruguayan
UZ Uzbekistan|Uzbek|Uzbekistani
VE Venezuela|Venezuelan
VN Vietnam|Viet Nam|Vietnamese
XK Kosovo|Kosovar
YE Yemen|Yemeni
ZA South Africa|South African
ZW Zimbabwe|Zimbabwean
"""


def _fold(name: str) -> str:
    # Case, accents, curly apostrophes and stray punctuation vary between lists and releases.
    text = unicodedata.normalize("NFKD", name.replace("\u2019", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s.\"]+", " ", text).strip(" .").casefold()


_CODES: dict[str, str] = {
    _fold(spelling): line[:2] for line in _TABLE.strip().splitlines() for spelling in line[3:].split("|")
}


def country_code(name: str) -> str | None:
    """The ISO-2 code for a country name or adjective, or None when unknown."""
    folded = _fold(name)
    if len(folded) == 2 and folded.upper() in _CODES.values():
        return folded.upper()
    return _CODES.get(folded)


def country_codes(text: str) -> tuple[str, ...]:
    """Every country named in a free-text nationality field, e.g. '(a) Russian, (b) Georgian'."""
    whole = country_code(text)
    if whole is not None:
        return (whole,)
    found: list[str] = []
    for part in re.split(r"[;,/]|\band\b|\(\w\)|\b\w\)|\(|\)", text):
        code = country_code(part)
        if code is not None and code not in found:
            found.append(code)
    return tuple(found)
