"""Reads for the home page and, later, the health check."""

from dataclasses import dataclass


@dataclass(frozen=True)
class HomeFigures:
    pass


def home_figures() -> HomeFigures:
    return HomeFigures()
