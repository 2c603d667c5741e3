"""Partners (channel, agency, wholesale), customers and their locations, and the people who log in.
"""
