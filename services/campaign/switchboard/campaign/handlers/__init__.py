"""What campaign does with the events it consumes, one module per concern."""
