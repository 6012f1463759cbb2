"""The measuring half of scripts/bench-subsonic (see its comment).

  prepare DATA WORK   gives every track of DATA's vault a file (hard links of
                      WORK/tone.opus and WORK/tone.mp3), every album a cover,
                      and the owner an API key (WORK/key.txt)
  measure DATA URL    times the API and prints the BENCH line
"""

import hashlib
import http.client
import json
import os
import pathlib
import secrets
import sqlite3
import statistics
import sys
import time
import urllib.parse


def prepare(data, work):
    data, work = pathlib.Path(data), pathlib.Path(work)
    db = sqlite3.connect(data / "hoard.db")
    tracks = [row[0] for row in db.execute("SELECT id FROM tracks ORDER BY id")]
    rows = []
    for n, track in enumerate(tracks):
        ext = "opus" if n % 2 == 0 else "mp3"
        relative = f"bench/{track}.{ext}"
        os.link(work / f"tone.{ext}", data / "library" / relative)
        rows.append((track, relative, ext, (work / f"tone.{ext}").stat().st_size))
    db.executemany(
        "INSERT OR REPLACE INTO downloads (track_id, state, source, file_path, format, bytes)"
        " VALUES (?, 'downloaded', 'bench', ?, ?, ?)",
        rows,
    )
    for (album,) in db.execute("SELECT id FROM albums"):
        os.link(work / "cover.jpg", data / "covers" / f"{album}.jpg")
    key = secrets.token_hex(32)
    db.execute(
        "INSERT INTO subsonic_keys (user_id, name, key_hash) VALUES (1, 'bench', ?)",
        (hashlib.sha256(key.encode()).hexdigest(),),
    )
    db.commit()
    (work / "key.txt").write_text(key)
    print(f"prepared {len(tracks)} files", file=sys.stderr)


class Api:
    def __init__(self, url, key):
        parsed = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port)
        self.key = key

    def path(self, endpoint, params):
        query = {"v": "1.16.1", "c": "bench", "f": "json", "apiKey": self.key, **params}
        return f"/rest/{endpoint}?{urllib.parse.urlencode(query)}"

    def get(self, endpoint, **params):
        """Seconds to the whole answer, and the answer."""
        start = time.perf_counter()
        self.conn.request("GET", self.path(endpoint, params))
        res = self.conn.getresponse()
        body = res.read()
        took = time.perf_counter() - start
        if res.headers.get("Content-Type", "").startswith("application/json"):
            inner = json.loads(body)["subsonic-response"]
            assert inner["status"] == "ok", inner
            return took, inner
        assert res.status == 200, (res.status, body[:200])
        return took, body

    def first_byte(self, endpoint, **params):
        """Seconds to the first byte of the body (a fresh connection)."""
        conn = http.client.HTTPConnection(self.conn.host, self.conn.port)
        start = time.perf_counter()
        conn.request("GET", self.path(endpoint, params))
        res = conn.getresponse()
        first = res.read(1)
        took = time.perf_counter() - start
        assert res.status == 200 and first, res.status
        conn.close()
        return took


def measure(data, url):
    key = (pathlib.Path(data).parent / "key.txt").read_text()
    db = sqlite3.connect(pathlib.Path(data) / "hoard.db")
    (expected,) = db.execute("SELECT count(*) FROM downloads WHERE state = 'downloaded'").fetchone()
    db.close()
    api = Api(url, key)
    api.get("ping")
    ms = lambda s: round(s * 1000, 1)

    start = time.perf_counter()
    songs, offset = 0, 0
    while True:
        _, page = api.get("search3", query="", songCount=500, songOffset=offset, artistCount=0, albumCount=0)
        got = len(page["searchResult3"].get("song", []))
        songs += got
        if got < 500:
            break
        offset += 500
    full_sync = time.perf_counter() - start
    assert songs == int(expected), (songs, expected)
    print(f"full sync: {songs} songs in {full_sync:.2f} s", file=sys.stderr)

    lists = [api.get("getAlbumList2", type="newest", size=50)[0] for _ in range(30)]
    albums = [a["id"] for a in api.get("getAlbumList2", type="alphabeticalByName", size=500)[1]["albumList2"]["album"]]
    albums = albums[:30]
    cold = [api.get("getCoverArt", id=a, size=300)[0] for a in albums]
    warm = [api.get("getCoverArt", id=a, size=300)[0] for a in albums]
    _, page = api.get("search3", query="", songCount=40, artistCount=0, albumCount=0)
    opus = [s["id"] for s in page["searchResult3"]["song"] if s["suffix"] == "opus"][:15]
    raw = [api.first_byte("stream", id=s) for s in opus]
    transcoded = [api.first_byte("stream", id=s, format="mp3", maxBitRate=128) for s in opus]
    print(
        f"album list newest: p50 {ms(statistics.median(lists))} ms, max {ms(max(lists))} ms; "
        f"covers cold p50 {ms(statistics.median(cold))} ms, warm {ms(statistics.median(warm))} ms; "
        f"first byte raw {ms(statistics.median(raw))} ms, mp3 {ms(statistics.median(transcoded))} ms",
        file=sys.stderr,
    )
    print(
        f"BENCH subsonic: tracks={songs} full_sync_s={full_sync:.2f} "
        f"album_list_ms_p50={ms(statistics.median(lists))} cover_ms_cold={ms(statistics.median(cold))} "
        f"cover_ms_warm={ms(statistics.median(warm))} stream_first_byte_ms={ms(statistics.median(raw))} "
        f"transcode_first_byte_ms={ms(statistics.median(transcoded))}"
    )


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    else:
        measure(sys.argv[2], sys.argv[3])
