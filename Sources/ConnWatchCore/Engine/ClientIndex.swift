/// Finds a client's position in the engine's table by its id.
///
/// Open addressing with linear probing over two parallel arrays, a 32-bit hash and a position per
/// slot, at most half full; deletion shifts the following entries back, so there are no
/// tombstones. The ids themselves stay in the table (`ClientTable`'s id arena), where a lookup
/// compares them: the index holds 8 bytes per slot (about 16 per client) where a
/// `[String: Int32]` held each id a second time in buckets up to three quarters full.
///
/// Written here rather than taken from a library because it is on the hot path of every event
/// (one lookup each) and of a restart (one insert per client), and because its hash must be
/// deterministic (``hash(_:)``, not the per-process seeded `Hasher`): the same ids give the same
/// slots in every run, which a saved snapshot of the table can rely on.
struct ClientIndex {
    /// 0 marks an empty slot; a hash that comes out 0 is stored as 1.
    private var hashes: [UInt32] = []
    private var positions: [Int32] = []
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    /// The position of the client `id` among `clients`, if indexed.
    func position(of id: String, in clients: ClientTable) -> Int32? {
        guard count > 0 else { return nil }
        var id = id
        return id.withUTF8 { position(of: $0, in: clients) }
    }

    /// The position of the client whose id's UTF-8 is `id` among `clients`, if indexed.
    func position(of id: UnsafeBufferPointer<UInt8>, in clients: ClientTable) -> Int32? {
        guard count > 0 else { return nil }
        let hash = Self.slotHash(Self.hash(UnsafeRawBufferPointer(id)))
        let mask = hashes.count - 1
        var slot = Int(hash) & mask
        while true {
            let stored = hashes[slot]
            if stored == 0 { return nil }
            if stored == hash {
                let position = positions[slot]
                if clients.hasID(id, at: Int(position)) { return position }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Indexes `position` under `id`, which must not be indexed yet.
    mutating func insert(_ id: String, at position: Int32) {
        if (count + 1) * 2 > hashes.count { grow(to: max(16, hashes.count * 2)) }
        place(Self.slotHash(id), position)
        count += 1
    }

    /// Removes `id` (a no-op when it is not indexed).
    mutating func remove(_ id: String, in clients: ClientTable) {
        guard let position = position(of: id, in: clients) else { return }
        let hash = Self.slotHash(id)
        let mask = hashes.count - 1
        var slot = Int(hash) & mask
        while positions[slot] != position || hashes[slot] == 0 { slot = (slot + 1) & mask }
        // Backward shift: every entry after the hole that may live there moves into it.
        var hole = slot
        var next = (hole + 1) & mask
        while hashes[next] != 0 {
            let home = Int(hashes[next]) & mask
            // `next` may move to `hole` when its home is not in the cyclic range (hole, next].
            let distanceFromHome = (next - home) & mask
            let distanceFromHole = (next - hole) & mask
            if distanceFromHome >= distanceFromHole {
                hashes[hole] = hashes[next]
                positions[hole] = positions[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        hashes[hole] = 0
        count -= 1
    }

    /// Room for `capacity` clients without growing.
    mutating func reserveCapacity(_ capacity: Int) {
        var size = max(16, hashes.count)
        while size < capacity * 2 { size *= 2 }
        if size > hashes.count { grow(to: size) }
    }

    /// Renumbers every position through `moved` (the table was compacted); entries moved to a
    /// negative position are dropped.
    mutating func remap(_ moved: [Int32]) {
        let oldHashes = hashes
        let oldPositions = positions
        hashes = Array(repeating: 0, count: oldHashes.count)
        count = 0
        for slot in oldHashes.indices where oldHashes[slot] != 0 {
            let position = moved[Int(oldPositions[slot])]
            guard position >= 0 else { continue }
            place(oldHashes[slot], position)
            count += 1
        }
    }

    private mutating func grow(to size: Int) {
        let oldHashes = hashes
        let oldPositions = positions
        hashes = Array(repeating: 0, count: size)
        positions = Array(repeating: -1, count: size)
        for slot in oldHashes.indices where oldHashes[slot] != 0 {
            place(oldHashes[slot], oldPositions[slot])
        }
    }

    private mutating func place(_ hash: UInt32, _ position: Int32) {
        let mask = hashes.count - 1
        var slot = Int(hash) & mask
        while hashes[slot] != 0 { slot = (slot + 1) & mask }
        hashes[slot] = hash
        positions[slot] = position
    }

    private static func slotHash(_ id: String) -> UInt32 {
        slotHash(hash(id))
    }

    private static func slotHash(_ full: UInt64) -> UInt32 {
        let folded = UInt32(truncatingIfNeeded: full ^ (full >> 32))
        return folded == 0 ? 1 : folded
    }

    /// A deterministic 64-bit hash of the id's UTF-8, eight bytes at a time, finished with
    /// MurmurHash3's avalanche.
    static func hash(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// ``hash(_:)`` of the UTF-8 `raw`.
    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(raw.count)
        var offset = 0
        while offset + 8 <= raw.count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 29
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < raw.count {
            tail |= UInt64(raw[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        return hash
    }
}
