"""Share estimation: how many of a group's texts are negative, pro-recall, about security, with
an interval that holds. Pure functions on arrays (no database, no page): the warehouse stores
what they return, the page and `vigia alerts` draw it, `vigia eval --prevalence` measures it."""

from prevalence.shares import (
    LEVEL,
    Calibration,
    CalibrationError,
    Shares,
    estimate,
    estimate_texts,
    labels_to_halve,
)

__all__ = ["LEVEL", "Calibration", "CalibrationError", "Shares", "estimate", "estimate_texts", "labels_to_halve"]
