"""Profiles a participant may not give (joining or editing), with the fields refused."""

BAD_PROFILES = [
    ({"stakeholder_group": "aliens"}, {"stakeholder_group"}),
    ({"sector": "space"}, {"sector"}),
    ({"gender": "robot"}, {"gender"}),
    ({"country": "XX"}, {"country"}),
    ({"display_name": "n" * 61}, {"display_name"}),
    ({"organisation": "o" * 121}, {"organisation"}),
    (
        {"stakeholder_group": "aliens", "country": "XX", "gender": "robot", "sector": "x"},
        {"stakeholder_group", "country", "gender", "sector"},
    ),
]
