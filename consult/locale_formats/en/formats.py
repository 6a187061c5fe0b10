"""English as the platform's international readers write dates: day, month, year and a
24-hour clock ("6 December 2026", "6 Dec 2026, 14:30"), never the ambiguous 12/06/2026.
Numbers keep Django's English formats."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
