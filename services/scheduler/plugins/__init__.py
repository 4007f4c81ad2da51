"""Built-in plugins, one per module; ``registry`` lists them all."""
