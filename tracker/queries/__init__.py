"""The read side: questions answered from what the store holds."""
