"""Runs a Singer tap unchanged but for its base URL: every request it makes to
https://api.hubapi.com goes to the fake HubSpot instead.

    python base_url.py BASE MODULE:FUNCTION [TAP ARGUMENTS...]

The taps build their URLs from constants (`BASE_URL`, `url_base`); both send through
`requests`, so the rewrite happens where every request leaves: `requests.Session.send`.
"""

import importlib
import sys

import requests

HUBSPOT = "https://api.hubapi.com"


def main() -> None:
    base, entry, *tap_args = sys.argv[1:]
    base = base.rstrip("/")
    send = requests.Session.send

    def send_to_fake(session, request, **kwargs):
        if request.url.startswith(HUBSPOT):
            request.url = base + request.url[len(HUBSPOT):]
        return send(session, request, **kwargs)

    requests.Session.send = send_to_fake
    module_name, function = entry.split(":")
    target = importlib.import_module(module_name)
    for part in function.split("."):
        target = getattr(target, part)
    sys.argv = [entry, *tap_args]
    target()


if __name__ == "__main__":
    main()
