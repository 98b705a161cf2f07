"""One module per container format; each only says where the AIGC record lives."""
