// The new consultation form (consult/templates/consult/manage_new.html): the address
// (slug) follows the title as it is typed, until the organiser types an address of
// their own. Without this script the server makes the same suggestion from the title.
(function () {
  "use strict";
  var title = document.getElementById("id_title");
  var slug = document.getElementById("id_slug");
  if (!title || !slug) return;
  var own = slug.value !== "";
  function suggest(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80).replace(/-+$/, "");
  }
  slug.addEventListener("input", function () { own = slug.value !== ""; });
  title.addEventListener("input", function () {
    if (!own) slug.value = suggest(title.value);
  });
})();
