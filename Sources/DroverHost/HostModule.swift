/// Host metrics (module placeholder until the parsers land).
