import Foundation

/// Word lists for the synthetic platform: topic names, per-topic subjects, title templates and
/// creator names. Titles are a pure function of (seed, item), so they need no storage.
enum Vocabulary {
    /// Topic names with a few subjects each; a world uses the first `topicCount` of them.
    static let topics: [(name: String, subjects: [String], medianMinutes: Double)] = [
        ("Cooking", ["Pasta", "Sourdough", "Ramen", "Curry", "Tacos", "Dumplings", "Pancakes", "Risotto", "Stir Fry", "Knife Skills"], 12),
        ("Gaming", ["Speedruns", "Minecraft Builds", "Boss Fights", "Indie Games", "Retro Consoles", "Strategy Games", "Open Worlds", "Esports", "Game Mods", "Puzzle Games"], 20),
        ("Music", ["Guitar Chords", "Piano Covers", "Beat Making", "Jazz Standards", "Vocal Warmups", "Synth Patches", "Drum Grooves", "Music Theory", "Lo-fi Mixes", "Songwriting"], 5),
        ("Fitness", ["Home Workouts", "Kettlebells", "Mobility", "Running Form", "Calisthenics", "Yoga Flows", "Core Training", "Stretching", "Marathon Prep", "Deadlifts"], 15),
        ("Travel", ["Tokyo", "Lisbon", "Iceland", "Road Trips", "Night Trains", "Mexico City", "Hidden Beaches", "Budget Hostels", "Alpine Villages", "Street Markets"], 14),
        ("Science", ["Black Holes", "Quantum Physics", "Chemistry Demos", "Evolution", "Climate Models", "Microbes", "Volcanoes", "Particle Colliders", "Genetics", "Optics"], 13),
        ("Technology", ["Smartphones", "Home Labs", "Mechanical Keyboards", "Laptops", "Smart Homes", "Electric Bikes", "Headphones", "3D Printers", "Single-Board Computers", "Drones"], 11),
        ("Comedy", ["Stand-up Sets", "Sketches", "Improv", "Office Pranks", "Parodies", "Roasts", "Bloopers", "Sitcom Moments", "Satire", "Impressions"], 8),
        ("Education", ["Study Habits", "Calculus", "Essay Writing", "Statistics", "Memory Tricks", "Exam Prep", "Note Taking", "Geometry", "Logic Puzzles", "Speed Reading"], 16),
        ("News", ["Elections", "Economy", "Tech Policy", "Climate Talks", "Housing", "Trade", "Space Launches", "Energy Prices", "Health Policy", "Local Stories"], 9),
        ("Sports", ["Football Tactics", "Basketball Drills", "Tennis Serves", "Cycling Climbs", "Swimming Technique", "Climbing Routes", "Golf Swings", "Match Highlights", "Skateboarding", "Boxing"], 10),
        ("DIY & Crafts", ["Woodworking", "Knitting", "Resin Art", "Furniture Flips", "Pottery", "Leathercraft", "Tiling", "Candle Making", "Upcycling", "Embroidery"], 14),
        ("Beauty", ["Skincare", "Makeup Looks", "Hair Braids", "Nail Art", "Fragrances", "Sunscreen", "Curly Hair", "Eyebrows", "Face Masks", "Beard Care"], 10),
        ("Fashion", ["Capsule Wardrobes", "Thrift Hauls", "Sneakers", "Tailoring", "Streetwear", "Vintage Denim", "Runway Shows", "Outfit Ideas", "Watches", "Sewing Patterns"], 9),
        ("Finance", ["Index Funds", "Budgeting", "Credit Scores", "Retirement", "Side Hustles", "Taxes", "Mortgages", "Dividends", "Saving Money", "Crypto"], 14),
        ("Movies", ["Film Reviews", "Trailers", "Horror Classics", "Director Styles", "Plot Twists", "Behind the Scenes", "Animated Films", "Film Scores", "Sci-fi Epics", "Box Office"], 15),
        ("Animals", ["Cats", "Dogs", "Parrots", "Octopuses", "Wolves", "Bees", "Horses", "Penguins", "Rescue Pets", "Aquariums"], 7),
        ("Cars", ["Engine Swaps", "Electric Cars", "Detailing", "Track Days", "Classic Cars", "Off-roading", "Car Reviews", "Oil Changes", "Rally Racing", "Motorcycles"], 15),
        ("Photography", ["Street Photography", "Portraits", "Film Cameras", "Lighting", "Lightroom Edits", "Astrophotography", "Lenses", "Composition", "Wildlife Shots", "Drone Footage"], 12),
        ("History", ["Ancient Rome", "The Silk Road", "World War Two", "The Vikings", "Medieval Castles", "Cold War", "Ancient Egypt", "The Renaissance", "Samurai", "Industrial Revolution"], 22),
        ("Art", ["Watercolour", "Oil Painting", "Sketching", "Digital Art", "Portrait Drawing", "Calligraphy", "Street Art", "Colour Theory", "Sculpture", "Comics"], 13),
        ("Dance", ["Salsa", "Hip-hop Choreography", "Ballet Basics", "Tap Dance", "K-pop Routines", "Breaking", "Tango", "Contemporary", "Swing", "Line Dancing"], 6),
        ("Gardening", ["Tomatoes", "Houseplants", "Composting", "Raised Beds", "Succulents", "Pruning", "Seed Starting", "Herb Gardens", "Bonsai", "Balcony Gardens"], 11),
        ("Parenting", ["Toddler Sleep", "School Lunches", "Screen Time", "Baby Food", "Family Games", "Homework Help", "Potty Training", "Teen Talks", "Rainy-day Crafts", "Bedtime Stories"], 10),
        ("Programming", ["Swift", "Rust", "Python", "SQL", "Git", "Kubernetes", "Algorithms", "Web APIs", "Compilers", "System Design"], 18),
        ("Space", ["Mars Rovers", "Rocket Engines", "Space Stations", "Exoplanets", "Moon Missions", "Telescopes", "Satellites", "Solar Storms", "Comets", "Astronaut Life"], 16),
        ("Nature", ["Rainforests", "Coral Reefs", "Waterfalls", "Deserts", "Northern Lights", "Mountain Lakes", "Storms", "Wild Rivers", "Caves", "Glaciers"], 9),
        ("Health", ["Sleep", "Nutrition", "Gut Health", "Posture", "Stress", "Hydration", "Back Pain", "Meditation", "Vitamins", "Heart Health"], 11),
        ("Language Learning", ["Spanish", "Japanese", "French", "Korean", "German", "Mandarin", "Italian", "Portuguese", "Sign Language", "Pronunciation"], 12),
        ("Podcasts", ["Interviews", "True Crime", "Startup Stories", "Philosophy", "Book Talks", "Science Chats", "Sports Debates", "Comedy Hour", "Career Advice", "History Deep Dives"], 55),
        ("Books", ["Fantasy Novels", "Book Hauls", "Classics", "Reading Lists", "Thrillers", "Poetry", "Memoirs", "Graphic Novels", "Sci-fi Books", "Writing Tips"], 12),
        ("Architecture", ["Tiny Houses", "Brutalism", "Skyscrapers", "Home Tours", "Bridges", "Modern Cabins", "Cathedrals", "Urban Planning", "Interior Design", "Passive Houses"], 13),
        ("Chess", ["Openings", "Endgames", "Blitz Games", "Grandmaster Games", "Tactics Puzzles", "Gambits", "Chess Engines", "Middlegame Plans", "Famous Blunders", "Tournament Recaps"], 17),
        ("Cycling", ["Bike Fitting", "Gravel Rides", "Bike Repair", "Commuting", "Bikepacking", "Tubeless Tyres", "Climbing Tips", "Track Cycling", "Fixed Gear", "Bike Builds"], 12),
        ("Coffee", ["Espresso", "Pour-over", "Latte Art", "Cold Brew", "Coffee Beans", "Grinders", "Home Roasting", "AeroPress", "Moka Pots", "Cafe Tours"], 8),
        ("Magic", ["Card Tricks", "Coin Magic", "Mentalism", "Illusions", "Magic Reveals", "Street Magic", "Close-up Magic", "Rope Tricks", "Stage Shows", "Sleight of Hand"], 7),
    ]

    static let adjectives = [
        "Easy", "Ultimate", "Beginner's", "Advanced", "Quick", "Surprising", "Honest", "Complete",
        "Hidden", "Simple", "Weird", "Perfect", "Budget", "Pro", "Underrated", "Classic",
    ]

    static let templates: [@Sendable (String, String, String, Int) -> String] = [
        { s, _, a, _ in "\(a) Guide to \(s)" },
        { s, _, _, n in "\(n) \(s) Tips Nobody Tells You" },
        { s, _, _, _ in "How I Got Better at \(s)" },
        { s, _, _, n in "\(s) in \(n) Minutes" },
        { s, _, _, _ in "The Truth About \(s)" },
        { s, t, _, _ in "\(s) Explained | \(t) Basics" },
        { s, _, _, _ in "I Tried \(s) for 30 Days" },
        { s, _, a, _ in "\(a) \(s) for Beginners" },
        { s, _, _, n in "Top \(n) \(s) of the Year" },
        { s, _, _, _ in "Why \(s) Matters More Than You Think" },
        { s, _, _, _ in "\(s): Common Mistakes and Fixes" },
        { s, _, a, _ in "\(a) \(s) Challenge" },
        { s, _, _, _ in "Everything You Need to Know About \(s)" },
        { s, t, _, _ in "A Day of \(s) | \(t) Vlog" },
        { s, _, _, n in "\(s) Q&A, Part \(n)" },
    ]

    static let firstNames = [
        "Maya", "Leo", "Aisha", "Tom", "Priya", "Kenji", "Sofia", "Omar", "Lena", "Diego", "Chloe", "Ravi",
        "Nora", "Felix", "Yuki", "Sam", "Ines", "Jonas", "Amara", "Hugo", "Mei", "Arjun", "Elena", "Kofi",
    ]

    static let creatorSuffixes = [
        "Studio", "TV", "Labs", "Daily", "Channel", "Explains", "Academy", "Official", "HQ", "Workshop",
        "Weekly", "Club", "Notes", "Lab", "Talks", "Corner",
    ]

    /// A readable, deterministic title for a synthetic item.
    static func title(seed: UInt64, item: Int, topic: Int) -> String {
        var rng = Xoshiro256(seed: seed ^ 0x7469_746C_6573, stream: UInt64(item))
        let t = topics[topic % topics.count]
        let subject = t.subjects[rng.below(t.subjects.count)]
        let adjective = adjectives[rng.below(adjectives.count)]
        let n = 3 + rng.below(10)
        let template = templates[rng.below(templates.count)]
        return template(subject, t.name, adjective, n)
    }

    /// A readable, deterministic creator name.
    static func creatorName(seed: UInt64, creator: Int, topic: Int) -> String {
        var rng = Xoshiro256(seed: seed ^ 0x6372_6561_746F_72, stream: UInt64(creator))
        let first = firstNames[rng.below(firstNames.count)]
        let style = rng.below(3)
        let topicWord = topics[topic % topics.count].name.split(separator: " ").first.map(String.init) ?? "Video"
        switch style {
        case 0: return "\(first) \(creatorSuffixes[rng.below(creatorSuffixes.count)])"
        case 1: return "\(topicWord) with \(first)"
        default: return "\(first)'s \(topicWord) \(creatorSuffixes[rng.below(creatorSuffixes.count)])"
        }
    }
}
