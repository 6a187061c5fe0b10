"""Full-text search of cases (knowledge/search.py): a ``search_vector`` column, and on
PostgreSQL the trigger that keeps it (every insert and update, bulk ones included) and
its GIN index. SQLite gets the column alone (always null: the embedded default searches
more simply)."""

import django.contrib.postgres.search
from django.db import migrations

LANGUAGES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "pt": "portuguese",
    "zh_hans": "simple",
}
ORIGINAL_CONFIG = (
    "(CASE NEW.language WHEN 'en' THEN 'english' WHEN 'es' THEN 'spanish' "
    "WHEN 'fr' THEN 'french' WHEN 'pt' THEN 'portuguese' ELSE 'simple' END)::regconfig"
)
TEXTS = {"name": "A", "summary": "B", "good_practice": "C", "transfer": "C"}


def _vector() -> str:
    parts = []
    for field, weight in TEXTS.items():
        columns = [f"NEW.{field}"] + [f"NEW.{field}_in_{code}" for code in LANGUAGES]
        everything = "concat_ws(' ', " + ", ".join(columns) + ")"
        parts.append(f"setweight(to_tsvector('simple', {everything}), '{weight}')")
        parts.append(
            f"setweight(to_tsvector({ORIGINAL_CONFIG}, coalesce(NEW.{field}, '')), '{weight}')"
        )
        for code, config in LANGUAGES.items():
            if config != "simple":
                parts.append(
                    f"setweight(to_tsvector('{config}', coalesce(NEW.{field}_in_{code}, '')), "
                    f"'{weight}')"
                )
    return " ||\n        ".join(parts)


CREATE = [
    f"""CREATE OR REPLACE FUNCTION knowledge_case_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        {_vector()};
    RETURN NEW;
END
$$ LANGUAGE plpgsql""",
    "CREATE TRIGGER knowledge_case_search_vector BEFORE INSERT OR UPDATE ON knowledge_case"
    " FOR EACH ROW EXECUTE FUNCTION knowledge_case_search_vector()",
    "CREATE INDEX knowledge_case_search_gin ON knowledge_case USING gin (search_vector)",
    "UPDATE knowledge_case SET id = id",  # cases written before this migration
]

DROP = [
    "DROP INDEX IF EXISTS knowledge_case_search_gin",
    "DROP TRIGGER IF EXISTS knowledge_case_search_vector ON knowledge_case",
    "DROP FUNCTION IF EXISTS knowledge_case_search_vector()",
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
        ("knowledge", "0001_cases_impact_areas_and_actions"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create, drop),
    ]
