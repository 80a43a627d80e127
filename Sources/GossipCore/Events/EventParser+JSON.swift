/// JSON lines read back: one flat object, `time`, `level`, `node`, `event`, then the kind's
/// fields by name (strings, numbers, `null`, arrays of strings). Only what `EventRenderer`
/// writes is taken; keys may come in any order, unknown keys are an error.
extension EventParser {
    enum JSONValue: Equatable {
        case string(String)
        case number(Substring)
        case null
        case strings([String])
    }

    static func jsonRecord(_ line: Substring) -> LogRecord? {
        guard let object = jsonObject(Array(line.utf8)[...]) else { return nil }
        guard case .string(let time)? = object["time"], isTime(Array(time.utf8)[...]),
            case .string(let levelName)? = object["level"], let level = EventLevel(name: levelName),
            case .string(let name)? = object["event"], let kind = EventKind.named(name)
        else { return nil }
        var node: NodeAddress?
        switch object["node"] {
        case .string(let text)?: guard let address = try? NodeAddress(parsing: text) else { return nil }; node = address
        case .null?: node = nil
        default: return nil
        }
        let fields = EventTemplate.table[kind.rawValue].fields
        guard object.count == 4 + fields.count else { return nil }
        var values: [EventValue] = []
        for field in fields {
            guard let json = object[field.name], let value = jsonValue(json, type: field.type) else { return nil }
            values.append(value)
        }
        guard let event = NodeEvent(kind: kind, values: values) else { return nil }
        return LogRecord(time: time, level: level, node: node, event: event)
    }

    static func jsonValue(_ json: JSONValue, type: EventValue.Kind) -> EventValue? {
        switch (type, json) {
        case (.address, .string(let text)): return (try? NodeAddress(parsing: text)).map { .address($0) }
        case (.optionalAddress, .null): return .optionalAddress(nil)
        case (.optionalAddress, .string(let text)): return (try? NodeAddress(parsing: text)).map { .optionalAddress($0) }
        case (.addresses, .strings(let list)):
            var addresses: [NodeAddress] = []
            for text in list {
                guard let address = try? NodeAddress(parsing: text) else { return nil }
                addresses.append(address)
            }
            return .addresses(addresses)
        case (.message, .string(let text)): return (try? Message.decodeGossip(text[...])).map { .message($0) }
        case (.count, .number(let text)): return integer(text).map { .count($0) }
        case (.duration, .number(let text)): return duration(text).map { .duration($0) }
        case (.text, .string(let text)): return .text(text)
        default: return nil
        }
    }

    /// A flat object, nil for anything else (nesting, duplicate keys, trailing bytes).
    static func jsonObject(_ bytes: ArraySlice<UInt8>) -> [String: JSONValue]? {
        var reader = JSONReader(bytes: bytes)
        return reader.object()
    }

    struct JSONReader {
        var bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        var current: UInt8? { index < bytes.endIndex ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard current == byte else { return false }
            index += 1
            return true
        }

        mutating func object() -> [String: JSONValue]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var object: [String: JSONValue] = [:]
            if take(UInt8(ascii: "}")) { return end(object) }
            repeat {
                skipSpace()
                guard let key = string(), take(UInt8(ascii: ":")), let value = value(), object[key] == nil else { return nil }
                object[key] = value
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return nil }
            return end(object)
        }

        mutating func end(_ object: [String: JSONValue]) -> [String: JSONValue]? {
            skipSpace()
            return index == bytes.endIndex ? object : nil
        }

        mutating func value() -> JSONValue? {
            skipSpace()
            switch current {
            case UInt8(ascii: "\""): return string().map { .string($0) }
            case UInt8(ascii: "n"):
                guard bytes[index...].starts(with: "null".utf8) else { return nil }
                index += 4
                return .null
            case UInt8(ascii: "["):
                index += 1
                var list: [String] = []
                if take(UInt8(ascii: "]")) { return .strings(list) }
                repeat {
                    skipSpace()
                    guard let text = string() else { return nil }
                    list.append(text)
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "]")) ? .strings(list) : nil
            default:
                let start = index
                while let byte = current, byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || (byte >= 0x30 && byte <= 0x39)
                {
                    index += 1
                }
                guard index > start else { return nil }
                return .number(Substring(decoding: bytes[start..<index], as: UTF8.self))
            }
        }

        /// A JSON string; `\uXXXX` escapes (surrogate pairs included) decoded.
        mutating func string() -> String? {
            guard current == EventRenderer.quote else { return nil }
            index += 1
            var scalars = String.UnicodeScalarView()
            var utf8: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
                utf8.removeAll()
            }
            while let byte = current {
                index += 1
                switch byte {
                case EventRenderer.quote:
                    flush()
                    return String(scalars)
                case EventRenderer.backslash:
                    guard let escape = current else { return nil }
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): utf8.append(0x22)
                    case EventRenderer.backslash: utf8.append(0x5C)
                    case UInt8(ascii: "/"): utf8.append(0x2F)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard var unit = hex4() else { return nil }
                        if unit >= 0xD800 && unit < 0xDC00 {
                            guard current == EventRenderer.backslash else { return nil }
                            index += 1
                            guard current == UInt8(ascii: "u") else { return nil }
                            index += 1
                            guard let low = hex4(), low >= 0xDC00 && low < 0xE000 else { return nil }
                            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(unit) else { return nil }
                        flush()
                        scalars.append(scalar)
                    default: return nil
                    }
                default:
                    guard byte >= 0x20 else { return nil }
                    utf8.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.endIndex,
                let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
            else { return nil }
            index += 4
            return value
        }
    }
}
