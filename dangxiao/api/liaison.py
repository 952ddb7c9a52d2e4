"""Residents' liaison over the API: compounds and matters, for our own clients."""

from ninja import Router

router = Router(tags=["liaison"])
