/// `whs play` and `whs check` (docs/DEMOS.md).
extension CommandLineOptions {
    struct Play: Equatable {
        var file = ""
        var pace = 30
        var step = false
        var cast: String?
        var svg: String?
        /// `--size COLSxROWS` for the image.
        var svgColumns: Int?
        var svgRows: Int?
        /// nil: a fresh in-memory store.
        var store: String?
    }

    struct Check: Equatable {
        var files: [String] = []
        var update = false
    }
}
