"""The write side: the crawl pass and the stages that run after it."""
