/// Controller state (placeholder until the store lands).
