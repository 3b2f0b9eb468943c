"""What every extension may use, under public names.

wording.py   the Discord wording (templates/discord/*.j2), escaping, mentions
embeds.py    Discord's limits, `truncate`, `EmbedBuilder`, `embeds_by_message`, colours
hooks.py     the extension API: typed interview hooks and the events features dispatch
commands.py  the shared `/interview` group each extension adds its subcommands to
items.py     bases for restart-proof components (checks in `interaction_check`, errors
             reported once) and the parsing of submitted forms
channels.py  where a session lives on Discord

An extension's modules whose names start with an underscore are its own; anything two
extensions share lives here (tests/test_architecture.py checks both rules).
"""
