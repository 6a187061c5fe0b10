"""The project's own date formats for a language where Django's do not suit its readers
(``settings.FORMAT_MODULE_PATH``); everything not set here is Django's."""
