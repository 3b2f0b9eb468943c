"""What every extension may use: wording, embeds, hooks and events, the /interview group.

The other extensions' modules whose names start with an underscore are theirs alone;
anything two extensions share lives here, under public names.
"""
