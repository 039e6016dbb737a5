import ArgumentParser
import DroverCLI

@main
enum DroverMain {
    static func main() async {
        await DroverCommand.mainWithDroverExitCodes()
    }
}
