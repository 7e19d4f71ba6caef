#!/usr/bin/env python3
"""Generates countries.toml (the `builtin:countries` gazetteer) from mledoze/countries.

Usage: python3 make_countries.py path/to/countries.json > countries.toml

Source: countries.json of the public repository mledoze/countries (ODbL 1.0, see
countries.LICENSE beside this file). Stdlib only. What goes in, per ISO 3166-1 country
(status "officially-assigned", 249 entries):
  * name      the common English name;
  * aliases   the official name and the Latin-script alternative spellings, except ISO
              codes, inverted forms ("Iran, Islamic Republic of") and the few listed in
              DROP below (common words or other places: "Island", "Mann", "Timor");
  * acronyms  all-caps alternative spellings of three letters or more (USA, UAE, DRC);
  * demonyms  the English demonyms and their plurals. A demonym shared by several
              countries goes to the only independent one among them (French: France, not
              the French Southern Lands); if none or several are, it is dropped
              (Congolese, Dominican).
"""
import json
import sys
from collections import defaultdict

DROP = {
    "IS": {"Island"},          # "Island" is an English word
    "IM": {"Mann", "Mannin"},  # a surname
    "TL": {"Timor"},           # the island, half of it Indonesian
    "TH": {"Prathet", "Thai"},  # "Thai" is the demonym, kept there
    "GF": {"Guiana"},          # the region (three Guianas)
    "FJ": {"Viti"},
    "AE": {"Emirates"},        # the airline; "the Emirates" is in news.toml
    "SA": {"Saudi"},           # a demonym, kept there
    "VG": {"Virgin Islands"},  # also the US Virgin Islands
    "TG": {"Togolese"},        # a demonym, kept there
}


def latin(s):
    return all(ord(c) < 0x250 or c in "‘’ʻʼ" for c in s)


def plural(d):
    if d.endswith(("s", "sh", "ese", "x", "z", "French", "Dutch")) or " " in d:
        return None
    return d + "s"


def toml_list(xs):
    return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in xs) + "]"


def main():
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    data = [c for c in data if c.get("status") == "officially-assigned"]
    owners = defaultdict(list)
    for c in data:
        eng = (c.get("demonyms") or {}).get("eng") or {}
        for v in set(eng.values()):
            for d in v.split(","):
                if d.strip():
                    owners[d.strip()].append(c)
    print("# Built-in gazetteer `builtin:countries`: every ISO 3166-1 country (249), generated.")
    print("#")
    print("# Source: countries.json of mledoze/countries, Open Database License 1.0 (ODbL); see")
    print("# countries.LICENSE beside this file. This file is a derived database under the same")
    print("# licence. Regenerate: python3 config/gazetteers/make_countries.py countries.json \\")
    print("#   > config/gazetteers/countries.toml   (the script says what is kept and why).")
    print("# Extra forms and vetoes for the countries of the seeds are in news.toml, which")
    print("# extends these entries by id.")
    print()
    print("[settings]\nschema = 1")
    for c in sorted(data, key=lambda c: c["cca2"]):
        code = c["cca2"]
        name = c["name"]["common"]
        aliases, acronyms = [], []
        for s in [c["name"]["official"]] + c.get("altSpellings", []):
            s = s.strip()
            if not s or s == name or s in aliases or s in acronyms or s in DROP.get(code, ()):
                continue
            if len(s) <= 2 or "," in s or not latin(s):
                continue
            if s.isupper() and " " not in s:
                acronyms.append(s)
            else:
                aliases.append(s)
        demonyms = []
        eng = (c.get("demonyms") or {}).get("eng") or {}
        for v in dict.fromkeys(eng.values()):
            for d in v.split(","):
                d = d.strip()
                if not d or d in demonyms:
                    continue
                own = owners[d]
                if len(own) > 1:
                    indep = [o for o in own if o.get("independent")]
                    if len(indep) != 1 or indep[0] is not c:
                        continue
                demonyms.append(d)
                p = plural(d)
                if p and p not in demonyms:
                    demonyms.append(p)
        print()
        print("[[country]]")
        print(f'id = "country:{code}"')
        print(f"name = {json.dumps(name, ensure_ascii=False)}")
        if aliases:
            print(f"aliases = {toml_list(aliases)}")
        if demonyms:
            print(f"demonyms = {toml_list(demonyms)}")
        if acronyms:
            print(f"acronyms = {toml_list(acronyms)}")


main()
