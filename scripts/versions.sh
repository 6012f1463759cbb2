# The pinned versions of the Python tools Hoard runs, read by scripts/setup
# and by the Containerfile, so the machine and the image run the same ones.
# yt-dlp: Debian's is too old for today's sites.
YTDLP_VERSION=2026.10.26
# ytmusicapi: Hoard's YouTube Music search (spotDL's client).
YTMUSICAPI_VERSION=1.12.3
# For the tests only (server/tests/subsonic/): a real Subsonic client and the
# validator of OpenSubsonic's published schemas.
PY_OPENSONIC_VERSION=10.4.1
OPENAPI_SCHEMA_VALIDATOR_VERSION=0.9.0
