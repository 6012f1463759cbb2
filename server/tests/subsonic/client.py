"""A Subsonic app's session against a real Hoard, through py-opensonic.

Run by server/tests/subsonic/mod.rs, which seeds the vault and starts the
server, with:
  HOARD_HOST, HOARD_PORT       where Hoard listens
  HOARD_API_KEY                an API key made for the owner
  HOARD_USER, HOARD_PASSWORD   the owner's Subsonic password
  HOARD_LIBRARY                the library folder (to compare downloads)
  HOARD_PLAYABLE               how many songs have files
  HOARD_HIDDEN                 titles (one per line) of songs without files
  HOARD_LYRICS                 the id of the song whose file has LRC lyrics
Every JSON answer is also validated against OpenSubsonic's published
schemas (openapi/ beside this file). Exits non-zero on the first failure.
"""

import asyncio
import hashlib
import json
import os
import pathlib
import subprocess
import tempfile
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import referencing
import referencing.jsonschema
from openapi_schema_validator import OAS30Validator
from libopensonic import AsyncConnection, errors

HOST = os.environ["HOARD_HOST"]
PORT = int(os.environ["HOARD_PORT"])
KEY = os.environ["HOARD_API_KEY"]
USER = os.environ["HOARD_USER"]
PASSWORD = os.environ["HOARD_PASSWORD"]
LIBRARY = pathlib.Path(os.environ["HOARD_LIBRARY"])
PLAYABLE = int(os.environ["HOARD_PLAYABLE"])
HIDDEN = [t for t in os.environ["HOARD_HIDDEN"].split("\n") if t]
LYRICS = os.environ["HOARD_LYRICS"]
OPENAPI = pathlib.Path(__file__).parent / "openapi"


# --- schema checks -------------------------------------------------------

def _retrieve(uri):
    path = pathlib.Path(urllib.parse.urlparse(uri).path)
    return referencing.Resource.from_contents(
        json.loads(path.read_text()),
        default_specification=referencing.jsonschema.DRAFT4,
    )


REGISTRY = referencing.Registry(retrieve=_retrieve)


def schema_for(endpoint):
    """The success schema of an endpoint's answer, from its openapi file."""
    spec = json.loads((OPENAPI / "endpoints" / f"{endpoint}.json").read_text())
    ok = spec["get"]["responses"]["200"]
    base = OPENAPI / "endpoints"
    if "$ref" in ok:
        target = (base / ok["$ref"]).resolve()
        ok = json.loads(target.read_text())
        base = target.parent
    ref = ok["content"]["application/json"]["schema"]["$ref"]
    return (base / ref).resolve().as_uri()


def validate(endpoint, answer):
    validator = OAS30Validator({"$ref": schema_for(endpoint)}, registry=REGISTRY)
    problems = sorted(validator.iter_errors(answer), key=lambda e: list(e.path))
    assert not problems, f"{endpoint}: {problems[0].message} at {list(problems[0].path)}"
    inner = answer["subsonic-response"]
    assert inner["status"] == "ok", (endpoint, inner)
    # The oneOf accepts a failure too; a success must match the success schema.
    return inner


def raw(endpoint, params=None, auth=True, fmt="json", method="GET"):
    """A request as any app sends it; the body and headers."""
    query = {"v": "1.16.1", "c": "hoard-test", "f": fmt}
    if auth:
        query["apiKey"] = KEY
    query.update(params or {})
    pairs = []
    for k, v in query.items():
        for item in v if isinstance(v, list) else [v]:
            pairs.append((k, str(item)))
    encoded = urllib.parse.urlencode(pairs)
    url = f"http://{HOST}:{PORT}/rest/{endpoint}"
    if method == "GET":
        request = urllib.request.Request(f"{url}?{encoded}")
    else:
        request = urllib.request.Request(
            f"{url}.view",
            data=encoded.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    with urllib.request.urlopen(request) as response:
        return response.read(), response.headers


def checked(endpoint, params=None):
    """A JSON answer, schema-checked; its subsonic-response."""
    body, _ = raw(endpoint, params)
    return validate(endpoint, json.loads(body))


def error_code(endpoint, params=None, auth=True):
    body, _ = raw(endpoint, params, auth=auth)
    inner = json.loads(body)["subsonic-response"]
    assert inner["status"] == "failed", (endpoint, params, inner)
    validator = OAS30Validator(
        {"$ref": (OPENAPI / "schemas/SubsonicResponse/SubsonicFailureResponse.json").as_uri()},
        registry=REGISTRY,
    )
    problems = list(validator.iter_errors(inner))
    assert not problems, problems[0].message
    return inner["error"]["code"]


def ffprobe(data):
    """What ffprobe reads in `data` (bytes) or a file (a path)."""
    with tempfile.NamedTemporaryFile() as f:
        if isinstance(data, bytes):
            f.write(data)
            f.flush()
        path = f.name if isinstance(data, bytes) else str(data)
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries",
             "format=format_name,duration,bit_rate:stream=codec_name,width,height", "-of", "json", path],
            capture_output=True, check=True,
        )
    return json.loads(out.stdout)


# --- the session ---------------------------------------------------------

async def session():
    app = AsyncConnection(f"http://{HOST}", api_key=KEY, port=PORT, app_name="hoard-test")
    try:
        await run(app)
    finally:
        await app.cleanup()


async def run(app):
    assert await app.ping()
    extensions = {e.name for e in await app.get_open_subsonic_extensions()}
    assert {"apiKeyAuthentication", "formPost", "transcodeOffset", "songLyrics"} <= extensions, extensions
    for endpoint in ["ping", "getLicense", "getOpenSubsonicExtensions", "getMusicFolders", "getGenres",
                     "getArtists", "getIndexes", "getStarred2", "getPlaylists", "getScanStatus"]:
        checked(endpoint)
    assert checked("getUser", {"username": USER})["user"]["username"] == USER
    assert error_code("getUser", {"username": "someone-else"}) == 50

    # A full offline sync, as apps do it: search3 with an empty query, paged.
    songs, offset = [], 0
    while True:
        page = checked("search3", {"query": "", "songCount": 10, "songOffset": offset,
                                   "artistCount": 0, "albumCount": 0})
        got = page["searchResult3"].get("song", [])
        songs += got
        if len(got) < 10:
            break
        offset += 10
    ids = [s["id"] for s in songs]
    assert len(ids) == PLAYABLE == len(set(ids)), (len(ids), PLAYABLE)
    titles = {s["title"] for s in songs}
    assert not titles & set(HIDDEN), "songs without a file are not offered"
    # `""` (two quote marks) is what some apps send for everything.
    quoted = checked("search3", {"query": '""', "songCount": 500})["searchResult3"]["song"]
    assert [s["id"] for s in quoted] == ids
    # The same through the client library, which parses every field.
    result = await app.search3("", song_count=500, artist_count=500, album_count=500)
    assert [s.id for s in result.song] == ids
    by_id = {s["id"]: s for s in songs}

    # Search: every word must be in the title, artist or album.
    found = await app.search3("song 1", song_count=500)
    expected = {s["id"] for s in songs if "song" in (s["title"] + s.get("artist", "") + s.get("album", "")).lower()
                and "1" in (s["title"] + s.get("artist", "") + s.get("album", "")).lower()}
    assert {s.id for s in found.song} == expected and expected, (len(found.song), len(expected))
    assert not (await app.search3("no such words here", song_count=500)).song
    everything = await app.search3("", song_count=0, artist_count=500, album_count=500)
    has = lambda text, words: all(w in text.lower() for w in words)
    albums = await app.search3("album 1", song_count=0, artist_count=0, album_count=500)
    expected = {a.id for a in everything.album if has(a.name + " " + (a.artist or ""), ["album", "1"])}
    assert {a.id for a in albums.album} == expected and expected
    artists = await app.search3("ARTIST 1", song_count=0, artist_count=500, album_count=0)
    expected = {a.id for a in everything.artist if has(a.name, ["artist", "1"])}
    assert {a.id for a in artists.artist} == expected and expected

    # Browsing by tags: artists → artist → album → songs, and every song once.
    artists = await app.get_artists()
    seen = []
    for index in artists.index:
        for artist in index.artist:
            full = await app.get_artist(artist.id)
            checked("getArtist", {"id": artist.id})
            assert full.album, artist.name
            for album in full.album:
                got = await app.get_album(album.id)
                checked("getAlbum", {"id": album.id})
                assert got.song_count == len(got.song)
                assert sum(s.duration for s in got.song) - got.duration in range(-2, 3)
                seen += [s.id for s in got.song]
    assert sorted(set(seen)) == sorted(ids), "every playable song is on an album an artist shows"

    # A song's artist opens, also one credited only on songs (no album of their own).
    for artist_id in sorted({s["artistId"] for s in songs if "artistId" in s}):
        assert (await app.get_artist(artist_id)).name
        checked("getArtist", {"id": artist_id})

    # Browsing by folders: the same library.
    indexes = await app.get_indexes()
    folder_songs = []
    for index in indexes.index:
        for artist in index.artist:
            directory = await app.get_music_directory(artist.id)
            checked("getMusicDirectory", {"id": artist.id})
            for album in directory.child:
                assert album.is_dir
                inner = await app.get_music_directory(album.id)
                folder_songs += [c.id for c in inner.child if not c.is_dir]
    assert sorted(set(folder_songs)) == sorted(ids)

    # One song.
    first = ids[0]
    song = await app.get_song(first)
    checked("getSong", {"id": first})
    assert song.title == by_id[first]["title"] and not song.is_dir

    # Album lists of every type.
    for kind, extra in [("random", {}), ("newest", {}), ("highest", {}), ("frequent", {}), ("recent", {}),
                        ("alphabeticalByName", {}), ("alphabeticalByArtist", {}), ("starred", {}),
                        ("byYear", {"fromYear": 2000, "toYear": 2002}), ("byGenre", {"genre": "Rock"})]:
        checked("getAlbumList2", {"type": kind, "size": 500, **extra})
    names = [a.name for a in await app.get_album_list2("alphabeticalByName", size=500)]
    assert names == sorted(names, key=str.lower) and names
    assert len(await app.get_album_list2("byYear", size=500, from_year=2000, to_year=2002)) == len(names)
    assert not await app.get_album_list2("byYear", size=500, from_year=1990, to_year=1991)
    two = await app.get_album_list2("alphabeticalByName", size=2, offset=1)
    assert [a.name for a in two] == names[1:3]
    assert error_code("getAlbumList2", {"type": "sideways"}) == 10
    assert error_code("getAlbumList2", {"type": "byYear"}) == 10

    # Genres (album 1 is edited to Rock).
    rock = [s["id"] for s in songs if s.get("albumId") == "al-1"]
    assert rock and all(by_id[i]["genre"] == "Rock" for i in rock)
    genres = checked("getGenres")["genres"]["genre"]
    assert genres == [{"value": "Rock", "songCount": len(rock), "albumCount": 1}], genres
    by_genre = checked("getSongsByGenre", {"genre": "rock", "count": 500})["songsByGenre"]["song"]
    assert sorted(s["id"] for s in by_genre) == sorted(rock)
    assert [a.id for a in await app.get_album_list2("byGenre", size=500, genre="Rock")] == ["al-1"]
    assert {s.id for s in await app.get_random_songs(size=500, genre="Rock")} == set(rock)

    # The folder-based forms older apps (DSub) use: the same lists, searches and stars.
    folders = checked("getAlbumList", {"type": "alphabeticalByName", "size": 500})["albumList"]["album"]
    assert [a["title"] for a in folders] == names and all(a["isDir"] for a in folders)
    found2 = checked("search2", {"query": "", "songCount": 500, "artistCount": 500, "albumCount": 500})
    assert [s["id"] for s in found2["searchResult2"]["song"]] == ids
    assert len(found2["searchResult2"]["album"]) == len(names)
    for endpoint in ["getInternetRadioStations", "getPodcasts", "getBookmarks", "getShares"]:
        checked(endpoint)
    top = checked("getTopSongs", {"artist": by_id[ids[0]]["artist"], "count": 500})["topSongs"]["song"]
    assert top and all(s["artist"] == by_id[ids[0]]["artist"] for s in top)

    randoms = await app.get_random_songs(size=5)
    assert len(randoms) == 5 and {s.id for s in randoms} <= set(ids)
    checked("getRandomSongs", {"size": 3})

    # Stream: the file as it is, with Range.
    path = LIBRARY / by_id[first]["path"]
    whole = path.read_bytes()
    res = await app.stream(first)
    assert res.status == 200 and await res.read() == whole
    res = await app.stream(first, byte_range="bytes=100-199")
    assert res.status == 206 and await res.read() == whole[100:200]
    assert res.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    length = float(ffprobe(path)["format"]["duration"])
    # Transcoded by ffmpeg as it is sent: another format, a lower bit rate, an offset.
    res = await app.stream(first, max_bit_rate=64, tformat="mp3")
    assert res.headers["Content-Type"] == "audio/mpeg"
    probe = ffprobe(await res.read())
    assert probe["streams"][0]["codec_name"] == "mp3", probe
    assert abs(float(probe["format"]["duration"]) - length) < 0.5, (probe, length)
    res = await app.stream(first, tformat="opus", time_offset=1)
    probe = ffprobe(await res.read())
    assert probe["streams"][0]["codec_name"] == "opus", probe
    assert abs(float(probe["format"]["duration"]) - (length - 1)) < 0.5, (probe, length)
    # download: the file, byte for byte.
    res = await app.download(first)
    assert await res.read() == whole

    # Cover art at the size an app asks for (300 px).
    covered = next(s for s in songs if s.get("albumId") == "al-1")
    res = await app.get_cover_art(covered["coverArt"], size=300)
    probe = ffprobe(await res.read())
    assert max(probe["streams"][0]["width"], probe["streams"][0]["height"]) == 300, probe
    assert error_code("getCoverArt", {"id": "al-999"}) == 70

    # Lyrics from the file's tags, synced (LRC).
    lyrics = await app.get_lyrics_by_song_id(LYRICS)
    checked("getLyricsBySongId", {"id": LYRICS})
    assert lyrics[0].synced and lyrics[0].line[1].value == "Second line" and lyrics[0].line[1].start == 2500
    assert not await app.get_lyrics_by_song_id(ids[1]), "a song without lyrics has none"

    # Star and rate: Hoard's loved mark and rating.
    album_of_first = by_id[first]["albumId"]
    await app.star(sids=[first], album_ids=[album_of_first], artist_ids=[by_id[first]["artistId"]])
    starred = await app.get_starred2()
    checked("getStarred2")
    assert [s.id for s in starred.song] == [first]
    assert [a.id for a in starred.album] == [album_of_first]
    assert len(starred.artist) == 1
    folder_starred = checked("getStarred")["starred"]
    assert [s["id"] for s in folder_starred["song"]] == [first]
    assert [a["id"] for a in folder_starred["album"]] == [album_of_first] and folder_starred["album"][0]["isDir"]
    await app.unstar(album_ids=[album_of_first])
    assert not (await app.get_starred2()).album
    await app.set_rating(first, 4)
    assert (await app.get_song(first)).user_rating == 4
    highest = await app.get_album_list2("highest", size=10)
    assert not highest, "a rated song does not rate its album"
    await app.set_rating(album_of_first, 5)
    assert [a.id for a in await app.get_album_list2("highest", size=10)] == [album_of_first]
    assert error_code("setRating", {"id": first, "rating": 9}) == 10

    # Scrobbles: now playing, then two plays; the same play sent twice is one.
    await app.scrobble(ids[2], submission=False)
    playing = await app.get_now_playing()
    assert [p.id for p in playing] == [ids[2]], playing
    before = (await app.get_song(ids[2])).play_count or 0
    when = 1_765_000_000  # py-opensonic takes seconds and sends ms
    await app.scrobble(ids[2], submission=True, listen_time=when)
    await app.scrobble(ids[2], submission=True, listen_time=when)
    body, _ = raw("scrobble", {"id": [ids[3], ids[4]], "time": [when * 1000 + 1000, when * 1000 + 2000]},
                  method="POST")
    validate("scrobble", json.loads(body))
    assert (await app.get_song(ids[2])).play_count == before + 1
    assert not await app.get_now_playing(), "the scrobble ends now playing"
    frequent = await app.get_album_list2("frequent", size=10)
    assert by_id[ids[2]]["albumId"] in [a.id for a in frequent]

    # Playlists: Spotify's are read-only, the listener's own are theirs to change.
    lists = await app.get_playlists()
    spotify = next(p for p in lists if p.name == "Road trip")
    body, _ = raw("getPlaylists")
    assert json.loads(body)["subsonic-response"]["playlists"]["playlist"][0]["readonly"] is True
    try:
        await app.update_playlist(spotify.id, name="Mine now")
        raise AssertionError("Spotify's playlist was changed")
    except errors.AuthError:
        pass
    assert await app.create_playlist(name="Evening", song_ids=[ids[5], ids[6], ids[7]])
    mine = next(p for p in await app.get_playlists() if p.name == "Evening")
    assert [e.id for e in (await app.get_playlist(mine.id)).entry] == [ids[5], ids[6], ids[7]]
    await app.update_playlist(mine.id, name="Late evening", song_ids_to_add=[ids[8]], song_indices_to_remove=[0])
    got = await app.get_playlist(mine.id)
    checked("getPlaylist", {"id": mine.id})
    assert got.name == "Late evening" and [e.id for e in got.entry] == [ids[6], ids[7], ids[8]]
    await app.delete_playlist(mine.id)
    assert mine.id not in [p.id for p in await app.get_playlists()]
    assert error_code("getPlaylist", {"id": mine.id}) == 70

    # The play queue, saved by one app and read by another.
    await app.save_play_queue([ids[1], ids[2], ids[3]], current=ids[2], position=61_500)
    queue = await app.get_play_queue()
    checked("getPlayQueue")
    assert [e.id for e in queue.entry] == [ids[1], ids[2], ids[3]]
    assert queue.current == ids[2] and queue.position == 61_500 and queue.changed_by == "hoard-test"

    # XML, the default format.
    body, headers = raw("getSong", {"id": first}, fmt="xml")
    assert headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(body)
    ns = "{http://subsonic.org/restapi}"
    assert root.tag == f"{ns}subsonic-response" and root.get("status") == "ok"
    assert root.find(f"{ns}song").get("title") == song.title

    # Other credentials: the Subsonic password as a token, and as a plain
    # password (form POST, as py-opensonic sends it).
    token_app = AsyncConnection(f"http://{HOST}", username=USER, password=PASSWORD, port=PORT)
    try:
        assert await token_app.ping()
        assert len((await token_app.search3("", song_count=500)).song) == PLAYABLE
    finally:
        await token_app.cleanup()
    legacy = AsyncConnection(f"http://{HOST}", username=USER, password=PASSWORD, port=PORT, legacy_auth=True)
    try:
        assert await legacy.ping()
    finally:
        await legacy.cleanup()
    salt = "c19b2d"
    token = hashlib.md5((PASSWORD + salt).encode()).hexdigest()
    good = {"u": USER, "t": token, "s": salt}
    checked_body, _ = raw("ping", good, auth=False)
    assert json.loads(checked_body)["subsonic-response"]["status"] == "ok"

    # The errors the spec names.
    assert error_code("ping", {"u": USER, "t": token[::-1], "s": salt}, auth=False) == 40
    assert error_code("ping", {"u": "nobody", "t": token, "s": salt}, auth=False) == 40
    assert error_code("ping", {"u": USER, "p": "wrong"}, auth=False) == 40
    assert error_code("ping", {"u": USER}, auth=True) == 43
    assert error_code("ping", {"u": USER, "t": token, "s": salt, "p": PASSWORD}, auth=False) == 43
    assert error_code("ping", {"apiKey": "0" * 64}, auth=False) == 44
    assert error_code("ping", {}, auth=False) == 10
    assert error_code("getSong", {}) == 10
    assert error_code("getSong", {"id": "tr-999999"}) == 70
    assert error_code("getAlbum", {"id": "../../etc"}) == 70
    bad_key = AsyncConnection(f"http://{HOST}", api_key="f" * 64, port=PORT)
    try:
        await bad_key.ping()
        raise AssertionError("a wrong key was accepted")
    except errors.SonicError:
        pass
    finally:
        await bad_key.cleanup()
    print(f"ok: {len(ids)} songs; every answer matched OpenSubsonic's schemas")


if __name__ == "__main__":
    asyncio.run(session())
