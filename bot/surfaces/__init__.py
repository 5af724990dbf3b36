"""The conversation's surfaces, one module each: direct messages, channels, ``/coco`` commands,
buttons and forms, App Home; and the context they share."""
