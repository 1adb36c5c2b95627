"""Imports Casebook's .apkg with Anki's own code and checks what arrives: every card once, its fields, its deck,
and a second import of a newer package updating notes instead of adding copies."""
import http.cookiejar
import os
import re
import sqlite3
import sys
import time
import urllib.parse
import urllib.request
import zipfile

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

base, work = sys.argv[1], sys.argv[2]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def get(path):
    with opener.open(base + path) as r:
        return r.read()


def post(path, fields):
    data = urllib.parse.urlencode(fields).encode()
    with opener.open(urllib.request.Request(base + path, data=data)) as r:
        return r.read()


def token(page):
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


post("/signup", {"csrf_token": token(get("/signup")), "username": "ankiuser", "password": "correct horse battery"})
# One card of the learner's own, so both kinds travel.
post("/cards/mine", {"csrf_token": token(get("/cards/mine")), "deck": "mydeck", "front": "What is **logQ** for?",
                     "back": "Correcting *in-batch* negatives for popularity."})


def download(name):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(get("/cards/export.apkg"))
    return path


first = download("first.apkg")
with zipfile.ZipFile(first) as z:
    assert sorted(z.namelist()) == ["collection.anki2", "media"], z.namelist()
    assert z.read("media") == b"{}"
    z.extract("collection.anki2", work)
raw = sqlite3.connect(os.path.join(work, "collection.anki2"))
exported = raw.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
assert exported > 100, exported
assert raw.execute("SELECT ver FROM col").fetchone()[0] == 11
assert raw.execute("SELECT COUNT(DISTINCT guid) FROM notes").fetchone()[0] == exported
raw.close()


def import_into(col, path):
    options = ImportAnkiPackageOptions(
        merge_notetypes=True, with_scheduling=False, with_deck_configs=False,
        update_notes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS)
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=path, options=options))


col = Collection(os.path.join(work, "phone.anki2"))
import_into(col, first)
assert col.note_count() == exported, (col.note_count(), exported)
assert col.card_count() == exported
mine = col.find_notes('"Front:*logQ*"')
assert len(mine) == 1, mine
note = col.get_note(mine[0])
assert "<strong>logQ</strong>" in note["Front"], note["Front"]
assert "<em>in-batch</em>" in note["Back"], note["Back"]
assert note["Source"].startswith("Casebook"), note["Source"]
card = note.cards()[0]
assert col.decks.name(card.did) == "Casebook::mydeck", col.decks.name(card.did)
assert any(d.name.startswith("Casebook::") and d.name != "Casebook::mydeck" for d in col.decks.all_names_and_ids())

# Edit the card on Casebook, export again, import again: the same notes, the edit carried over, nothing doubled.
card_id = re.search(rb'/cards/mine/(\d+)/edit', get("/cards/mine")).group(1).decode()
edit = get(f"/cards/mine/{card_id}/edit")
post(f"/cards/mine/{card_id}/edit", {"csrf_token": token(edit), "deck": "mydeck", "front": "What is **logQ** for, exactly?",
                                     "back": "Correcting *in-batch* negatives for popularity."})
# Anki tells a changed note by its modification time, in whole seconds, and an export stamps every note with the
# time it was made: an export within the same second as the first would look unchanged to it.
time.sleep(1.1)
second = download("second.apkg")
import_into(col, second)
assert col.note_count() == exported, (col.note_count(), exported)
assert "exactly" in col.get_note(mine[0])["Front"]
col.close()
print(f"anki import: {exported} notes imported by Anki {__import__('anki.buildinfo', fromlist=['version']).version}; a second import updated without duplicates")
