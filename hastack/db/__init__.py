"""HaStack's database: models, migrations and the functions that use them."""
