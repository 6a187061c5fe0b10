/* The reader's language and time zone, on every page (frontend/base.html).
 *
 * 1. Keeps the time zone the browser reports in the "time_zone" cookie, so that the
 *    server shows dates and times in it to a reader without a profile zone
 *    (consult/time_zone.py validates it; a bad value is ignored there).
 * 2. window.LiveLocale formats numbers, percentages and times for the browser scripts
 *    in the page's language (<html lang>) and the reader's time zone: the zone the
 *    server used for this page (data-time-zone, from the profile or the cookie), else
 *    the browser's.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var lang = document.documentElement.lang || undefined;
  var browserZone = "";
  try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { browserZone = ""; }

  var COOKIE = "time_zone";
  var kept = (document.cookie.match(/(?:^|;\s*)time_zone=([^;]*)/) || [])[1] || "";
  if (/^[A-Za-z0-9_+\-\/]{1,64}$/.test(browserZone) && kept !== browserZone) {
    document.cookie = COOKIE + "=" + browserZone + "; path=/; max-age=31536000; samesite=lax" +
      (location.protocol === "https:" ? "; secure" : "");
  }

  var zone = (script && script.dataset.timeZone) || browserZone || undefined;
  var cache = {};

  function make(kind, options) {
    var key = kind + JSON.stringify(options);
    if (!cache[key]) {
      try {
        cache[key] = new Intl[kind](lang, options);
      } catch (e) { // an unknown zone or language: the browser's own
        var plain = {};
        Object.keys(options).forEach(function (k) { if (k !== "timeZone") plain[k] = options[k]; });
        cache[key] = new Intl[kind](undefined, plain);
      }
    }
    return cache[key];
  }

  // A number in the page's language, with at most `digits` decimals (2 by default).
  function number(value, digits) {
    if (value === null || value === undefined || value === "" || isNaN(value)) return "–";
    return make("NumberFormat", { maximumFractionDigits: digits === undefined ? 2 : digits }).format(Number(value));
  }

  // Where the language puts the percent sign: CLDR's, as Intl.NumberFormat writes it,
  // but English keeps the platform's "45.5 %" (the same as consult/formats.py).
  var PERCENT_SIGNS = { en: " %", es: "\u00a0%", fr: "\u202f%" };
  var percentSign = PERCENT_SIGNS[(lang || "").split("-")[0].toLowerCase()] || "%";

  // A share given in percent (0-100), at most `digits` decimals (1 by default):
  // 45.5 -> "45.5 %" (en), "45,5 %" (fr), "45,5%" (pt), "45.5%" (zh-hans).
  function percent(value, digits) {
    if (value === null || value === undefined || value === "" || isNaN(value)) return "–";
    return number(value, digits === undefined ? 1 : digits) + percentSign;
  }

  function when(iso, options) {
    var d = iso instanceof Date ? iso : iso ? new Date(iso) : null;
    if (!d || isNaN(d)) return "";
    var all = { timeZone: zone };
    Object.keys(options).forEach(function (k) { all[k] = options[k]; });
    return make("DateTimeFormat", all).format(d);
  }

  // A time of day (hours and minutes) in the reader's zone.
  function time(iso) { return when(iso, { hour: "2-digit", minute: "2-digit" }); }
  // A date and time in the reader's zone.
  function dateTime(iso) { return when(iso, { dateStyle: "medium", timeStyle: "short" }); }

  window.LiveLocale = { lang: lang, zone: zone, number: number, percent: percent, time: time, dateTime: dateTime };
})();
