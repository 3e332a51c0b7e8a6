import CYaml

/// Refuses a configuration whose mapping keys are not plain names, from
/// libyaml's event stream, before Yams builds its nodes.
///
/// Why before: Yams checks each mapping for duplicate keys by hashing the
/// keys and sorting the duplicates, and its ordering of nodes compares
/// equal children twice (`<`, then `>`) at every level. Fuzzing
/// (`verifier-config`) found a 492-byte file of repeated nested keys
/// (`? - ? - ?`) that took 12 s to 60 s and more, depending on the
/// process's hash seed; an alias as a key (`*a : 1`) would make Yams hash
/// everything the alias stands for. A configuration's keys are names, so
/// any other key is refused here, in one linear pass, with its line.
enum ConfigurationYAMLKeys {
    /// The most parse events a file may produce before it is refused as
    /// not a configuration (a configuration has a few hundred).
    static let maximumEvents = 200_000

    /// Throws when a key is a list, a mapping or an alias. Syntax errors
    /// are left to Yams, whose message says more.
    static func check(_ text: String, source path: String) throws(ConfigurationError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        let problem: String? = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return firstProblem(&parser, path: path)
        }
        if let problem { throw ConfigurationError(key: "", problem) }
    }

    /// What each open collection expects next: in a mapping, a key or its value.
    private enum Open {
        case sequence
        case mapping(expectingKey: Bool)
    }

    private static func firstProblem(_ parser: inout yaml_parser_t, path: String) -> String? {
        var open: [Open] = []
        var events = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            events += 1
            guard events <= maximumEvents else {
                return "\(path) has more than \(maximumEvents) YAML nodes and markers; is it the right file?"
            }
            let type = event.type
            if type == YAML_STREAM_END_EVENT { return nil }
            let isNode = type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT || type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT
            if isNode, case .mapping(let expectingKey) = open.last {
                if expectingKey {
                    let line = "\(path) line \(event.start_mark.line + 1)"
                    if type == YAML_ALIAS_EVENT { return "\(line): a key is an alias (*name); keys are plain names such as port" }
                    if type != YAML_SCALAR_EVENT { return "\(line): a key is a list or a mapping; keys are plain names such as port" }
                }
                open[open.count - 1] = .mapping(expectingKey: !expectingKey)
            }
            if type == YAML_SEQUENCE_START_EVENT { open.append(.sequence) }
            if type == YAML_MAPPING_START_EVENT { open.append(.mapping(expectingKey: true)) }
            if type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT { _ = open.popLast() }
        }
    }
}
