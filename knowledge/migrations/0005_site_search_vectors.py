"""Full-text search across the site (knowledge/site_search.py): on PostgreSQL, stored
search vectors for the texts of consultations and of their versions, kept by triggers.

Parsing text into a vector costs about 6 MB/s (measured on the development machine), so
computing the vectors of hundreds of consultations' section texts at every search would
take hundreds of milliseconds; stored, a search only concatenates and matches them.

Two tables, written only by triggers (no Django model: they belong to no one's code but
these functions; site_search reads them by SQL):

* ``knowledge_consultation_search (consultation_id, vector)``: a consultation's title
  (weight A) and summary (B), the originals and every translation; written after every
  insert, and every update of those texts or the language, of ``consult_consultation``;
  removed with it (and emptied when the table is truncated, as Django's flush does).
* ``knowledge_version_search (version_id, vector)``: every section text of a version,
  headings (B) and bodies (C), originals and translations; rebuilt for the versions a
  statement touched, after every insert, update or delete on ``consult_sectiontext``
  (statement-level, so a version's sections inserted in bulk are read once).

Each text is indexed twice, as the cases are (migration 0002): with the 'simple'
configuration (every language, exact words) and stemmed with its own language's
configuration. On SQLite nothing is created: the embedded default searches more simply."""

from django.db import migrations

LANGUAGES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "pt": "portuguese",
    "zh_hans": "simple",
}


def _original_config(row: str) -> str:
    return (
        f"(CASE {row}.language WHEN 'en' THEN 'english' WHEN 'es' THEN 'spanish' "
        f"WHEN 'fr' THEN 'french' WHEN 'pt' THEN 'portuguese' ELSE 'simple' END)::regconfig"
    )


def _vector(row: str, texts: dict[str, str]) -> str:
    """The vector of ``row``'s ``texts`` (field -> weight), as in migration 0002."""
    parts = []
    for field, weight in texts.items():
        columns = [f"{row}.{field}"] + [f"{row}.{field}_in_{code}" for code in LANGUAGES]
        everything = "concat_ws(' ', " + ", ".join(columns) + ")"
        parts.append(f"setweight(to_tsvector('simple', {everything}), '{weight}')")
        parts.append(
            f"setweight(to_tsvector({_original_config(row)}, coalesce({row}.{field}, '')), "
            f"'{weight}')"
        )
        for code, config in LANGUAGES.items():
            if config != "simple":
                parts.append(
                    f"setweight(to_tsvector('{config}', coalesce({row}.{field}_in_{code}, '')), "
                    f"'{weight}')"
                )
    return " ||\n        ".join(parts)


CONSULTATION_TEXTS = {"title": "A", "summary": "B"}
SECTION_TEXTS = {"heading": "B", "body": "C"}
WATCHED = ", ".join(
    ["language"]
    + [
        name
        for field in CONSULTATION_TEXTS
        for name in [field] + [f"{field}_in_{code}" for code in LANGUAGES]
    ]
)

CREATE = [
    "CREATE TABLE knowledge_consultation_search ("
    " consultation_id bigint PRIMARY KEY, vector tsvector NOT NULL)",
    "CREATE TABLE knowledge_version_search ("
    " version_id bigint PRIMARY KEY, vector tsvector NOT NULL)",
    # Concatenates vectors (tsvector_concat is the || operator).
    "CREATE AGGREGATE knowledge_tsvector_agg (tsvector) ("
    " SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')",
    f"""CREATE FUNCTION knowledge_consultation_vector(c consult_consultation)
RETURNS tsvector AS $$
    SELECT {_vector("c", CONSULTATION_TEXTS)}
$$ LANGUAGE sql STABLE""",
    f"""CREATE FUNCTION knowledge_sectiontext_vector(t consult_sectiontext)
RETURNS tsvector AS $$
    SELECT {_vector("t", SECTION_TEXTS)}
$$ LANGUAGE sql STABLE""",
    """CREATE FUNCTION knowledge_consultation_search_write() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM knowledge_consultation_search WHERE consultation_id = OLD.id;
        RETURN NULL;
    END IF;
    INSERT INTO knowledge_consultation_search (consultation_id, vector)
    VALUES (NEW.id, knowledge_consultation_vector(NEW))
    ON CONFLICT (consultation_id) DO UPDATE SET vector = EXCLUDED.vector;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    f"CREATE TRIGGER knowledge_consultation_search AFTER INSERT OR DELETE OR UPDATE OF {WATCHED}"
    " ON consult_consultation FOR EACH ROW EXECUTE FUNCTION knowledge_consultation_search_write()",
    """CREATE FUNCTION knowledge_version_search_update(ids bigint[]) RETURNS void AS $$
    DELETE FROM knowledge_version_search s
    WHERE s.version_id = ANY(ids)
      AND NOT EXISTS (SELECT 1 FROM consult_sectiontext t WHERE t.version_id = s.version_id);
    INSERT INTO knowledge_version_search (version_id, vector)
    SELECT t.version_id, knowledge_tsvector_agg(knowledge_sectiontext_vector(t) ORDER BY t.position)
    FROM consult_sectiontext t
    WHERE t.version_id = ANY(ids)
    GROUP BY t.version_id
    ON CONFLICT (version_id) DO UPDATE SET vector = EXCLUDED.vector;
$$ LANGUAGE sql""",
    """CREATE FUNCTION knowledge_version_search_write() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM knowledge_version_search_update(ARRAY(SELECT DISTINCT version_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM knowledge_version_search_update(ARRAY(
            SELECT version_id FROM new_rows UNION SELECT version_id FROM old_rows));
    ELSE
        PERFORM knowledge_version_search_update(ARRAY(SELECT DISTINCT version_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    "CREATE TRIGGER knowledge_version_search_insert AFTER INSERT ON consult_sectiontext"
    " REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION knowledge_version_search_write()",
    "CREATE TRIGGER knowledge_version_search_update AFTER UPDATE ON consult_sectiontext"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION knowledge_version_search_write()",
    "CREATE TRIGGER knowledge_version_search_delete AFTER DELETE ON consult_sectiontext"
    " REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION knowledge_version_search_write()",
    # Emptying the source tables (as Django's flush does) empties the vectors.
    """CREATE FUNCTION knowledge_site_search_truncate() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'consult_consultation' THEN
        TRUNCATE knowledge_consultation_search;
    ELSE
        TRUNCATE knowledge_version_search;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    "CREATE TRIGGER knowledge_consultation_search_truncate AFTER TRUNCATE ON consult_consultation"
    " FOR EACH STATEMENT EXECUTE FUNCTION knowledge_site_search_truncate()",
    "CREATE TRIGGER knowledge_version_search_truncate AFTER TRUNCATE ON consult_sectiontext"
    " FOR EACH STATEMENT EXECUTE FUNCTION knowledge_site_search_truncate()",
    # A consultation's document: its title and summary, and its latest version's texts.
    """CREATE FUNCTION knowledge_consultation_document(consultation bigint)
RETURNS tsvector AS $$
    SELECT COALESCE(
        (SELECT s.vector FROM knowledge_consultation_search s
         WHERE s.consultation_id = consultation), ''::tsvector)
    || COALESCE(
        (SELECT s.vector FROM knowledge_version_search s
         WHERE s.version_id = (SELECT v.id FROM consult_version v
                               WHERE v.consultation_id = consultation
                               ORDER BY v.number DESC LIMIT 1)), ''::tsvector)
$$ LANGUAGE sql STABLE""",
    # A roadmap's document: its consultation's title, and its version's texts.
    """CREATE FUNCTION knowledge_roadmap_document(consultation bigint, version bigint)
RETURNS tsvector AS $$
    SELECT COALESCE(
        (SELECT ts_filter(s.vector, '{a}') FROM knowledge_consultation_search s
         WHERE s.consultation_id = consultation), ''::tsvector)
    || COALESCE(
        (SELECT s.vector FROM knowledge_version_search s WHERE s.version_id = version),
        ''::tsvector)
$$ LANGUAGE sql STABLE""",
    # What was written before this migration.
    "INSERT INTO knowledge_consultation_search (consultation_id, vector)"
    " SELECT c.id, knowledge_consultation_vector(c) FROM consult_consultation c",
    "SELECT knowledge_version_search_update(ARRAY(SELECT id FROM consult_version))",
]

DROP = [
    "DROP TRIGGER IF EXISTS knowledge_version_search_truncate ON consult_sectiontext",
    "DROP TRIGGER IF EXISTS knowledge_consultation_search_truncate ON consult_consultation",
    "DROP FUNCTION IF EXISTS knowledge_site_search_truncate()",
    "DROP FUNCTION IF EXISTS knowledge_roadmap_document(bigint, bigint)",
    "DROP FUNCTION IF EXISTS knowledge_consultation_document(bigint)",
    "DROP TRIGGER IF EXISTS knowledge_version_search_delete ON consult_sectiontext",
    "DROP TRIGGER IF EXISTS knowledge_version_search_update ON consult_sectiontext",
    "DROP TRIGGER IF EXISTS knowledge_version_search_insert ON consult_sectiontext",
    "DROP FUNCTION IF EXISTS knowledge_version_search_write()",
    "DROP FUNCTION IF EXISTS knowledge_version_search_update(bigint[])",
    "DROP TRIGGER IF EXISTS knowledge_consultation_search ON consult_consultation",
    "DROP FUNCTION IF EXISTS knowledge_consultation_search_write()",
    "DROP FUNCTION IF EXISTS knowledge_sectiontext_vector(consult_sectiontext)",
    "DROP FUNCTION IF EXISTS knowledge_consultation_vector(consult_consultation)",
    "DROP AGGREGATE IF EXISTS knowledge_tsvector_agg(tsvector)",
    "DROP TABLE IF EXISTS knowledge_version_search",
    "DROP TABLE IF EXISTS knowledge_consultation_search",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("consult", "0011_notification_kind_review"),
        ("knowledge", "0004_case_validations"),
    ]

    operations = [migrations.RunPython(create, drop)]
