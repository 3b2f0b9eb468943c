"""Discord extensions: one feature a module or package, loaded by `bot.bot.InterviewBot`."""
