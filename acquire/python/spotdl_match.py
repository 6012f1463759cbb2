"""spotDL's own matcher on Hoard's match cases, for `BENCH match-spotdl`.

    python spotdl_match.py http://127.0.0.1:PORT cases.json

For each case it selects the case on the local YouTube Music at PORT and
runs spotDL's `YouTubeMusic.search(song)` (ISRC, songs, videos, its
`order_results` scoring), with ytmusicapi's requests sent to the stand-in
instead of music.youtube.com. spotDL asks ytmusicapi for German results
(language="de"); the stand-in answers in English, so its client is made
with language="en", the only change to spotDL. Prints one JSON line per
case: {"id": ..., "chosen": videoId or null}.
"""

import json
import logging
import sys

import requests
from ytmusicapi import YTMusic

import spotdl.providers.audio.ytmusic as ytm_provider
from spotdl.types.song import Song

REAL = "https://music.youtube.com"
base = sys.argv[1].rstrip("/")
cases = json.load(open(sys.argv[2], encoding="utf-8"))
logging.disable(logging.CRITICAL)


class Rebased(requests.Session):
    def request(self, method, url, *args, **kwargs):
        if isinstance(url, str) and url.startswith(REAL):
            url = base + url[len(REAL):]
        return super().request(method, url, *args, **kwargs)


ytm_provider.YouTubeMusic._create_client = staticmethod(
    lambda: YTMusic(language="en", requests_session=Rebased())
)
provider = ytm_provider.YouTubeMusic()
control = requests.Session()

for case in cases:
    track = case["track"]
    control.post(base + "/_mock/select", json={"id": case["id"]}).raise_for_status()
    artists = track["artists"]
    song = Song(
        name=track["title"],
        artists=artists,
        artist=artists[0],
        genres=[],
        disc_number=1,
        disc_count=1,
        album_name=track.get("album") or track["title"],
        album_artist=artists[0],
        duration=round(track["duration_ms"] / 1000),
        year=2000,
        date="2000-01-01",
        track_number=1,
        tracks_count=1,
        song_id=case["id"],
        explicit=bool(track.get("explicit")),
        publisher="",
        url="https://open.spotify.com/track/" + case["id"],
        isrc=track.get("isrc"),
        cover_url=None,
        copyright_text=None,
    )
    try:
        url = provider.search(song)
    except Exception as e:  # spotDL raising is its failure to pick
        print(f"{case['id']}: spotDL raised {type(e).__name__}: {e}", file=sys.stderr)
        url = None
    chosen = url.split("v=")[1].split("&")[0] if url and "v=" in url else None
    print(json.dumps({"id": case["id"], "chosen": chosen}), flush=True)
