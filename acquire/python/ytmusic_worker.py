"""Hoard's YouTube Music search worker: ytmusicapi, kept running.

Hoard starts this once and sends one JSON request per line on stdin:
    {"id": 1, "query": "Daft Punk Get Lucky", "filter": "songs", "limit": 10}
(filter: "songs", "videos" or null for the unfiltered search). Each answer is
one JSON line on stdout, in any order:
    {"id": 1, "results": [...]}        ytmusicapi's parsed results
    {"id": 1, "error": "...", "transient": true}
The first line is {"ready": "<ytmusicapi version>"} or {"fatal": "..."}.

argv[1] is YouTube Music's address; anything but https://music.youtube.com
(a local stand-in) has every request sent there instead, path unchanged.
Nothing is written to stderr but Python's own crash report.
"""

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

REAL = "https://music.youtube.com"

try:
    import requests
    import ytmusicapi
    from ytmusicapi import YTMusic
except ImportError as e:  # pragma: no cover - reported to Hoard
    print(json.dumps({"fatal": f"ytmusicapi is not installed ({e}); scripts/setup installs it"}), flush=True)
    sys.exit(2)

base = (sys.argv[1] if len(sys.argv) > 1 else REAL).rstrip("/")
out_lock = threading.Lock()
local = threading.local()


class Rebased(requests.Session):
    """Sends requests for music.youtube.com to the configured address."""

    def request(self, method, url, *args, **kwargs):
        if isinstance(url, str) and url.startswith(REAL):
            url = base + url[len(REAL):]
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


def client():
    if getattr(local, "yt", None) is None:
        session = Rebased() if base != REAL else None
        if session is None:
            session = requests.Session()
            session.request = _with_timeout(session.request)
        local.yt = YTMusic(requests_session=session, language="en", location="")
    return local.yt


def _with_timeout(request):
    def wrapped(method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return request(method, url, *args, **kwargs)

    return wrapped


KEEP = ("category", "resultType", "videoId", "videoType", "title", "artists", "album",
        "duration", "duration_seconds", "isExplicit", "views", "year", "isAvailable")


def trim(result):
    return {k: result[k] for k in KEEP if k in result}


def write(answer):
    line = json.dumps(answer, ensure_ascii=False)
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def handle(request):
    rid = request.get("id")
    try:
        results = client().search(
            request["query"], filter=request.get("filter"), limit=int(request.get("limit") or 10)
        )
        write({"id": rid, "results": [trim(r) for r in results]})
    except requests.exceptions.RequestException as e:
        local.yt = None
        write({"id": rid, "error": f"network: {type(e).__name__}: {e}", "transient": True})
    except Exception as e:  # a response ytmusicapi cannot parse, a server error
        local.yt = None
        name = type(e).__name__
        transient = "Server" in name
        write({"id": rid, "error": f"{name}: {e}", "transient": transient})


def main():
    write({"ready": ytmusicapi.__version__ if hasattr(ytmusicapi, "__version__") else "unknown"})
    with ThreadPoolExecutor(max_workers=4) as pool:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                request = json.loads(line)
            except json.JSONDecodeError as e:
                write({"id": None, "error": f"bad request: {e}", "transient": False})
                continue
            pool.submit(handle, request)


if __name__ == "__main__":
    main()
