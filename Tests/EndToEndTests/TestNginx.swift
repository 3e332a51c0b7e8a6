import Foundation

/// A real nginx (Debian's) for the tests: the given server blocks inside a
/// minimal `http { }`, its logs, pid and temporary files under
/// `directory`, in the foreground until terminated.
enum TestNginx {
    static func start(_ directory: URL, sites: [String]) throws -> Process {
        let runAs = getuid() == 0 ? "user root;" : ""
        let configuration = """
            \(runAs)
            worker_processes 1;
            error_log \(directory.path)/nginx-error.log warn;
            pid \(directory.path)/nginx.pid;
            events { worker_connections 256; }
            http {
                access_log \(directory.path)/access.log;
                client_body_temp_path \(directory.path)/body;
                proxy_temp_path \(directory.path)/proxy;
                fastcgi_temp_path \(directory.path)/fastcgi;
                uwsgi_temp_path \(directory.path)/uwsgi;
                scgi_temp_path \(directory.path)/scgi;
                include /etc/nginx/mime.types;
                \(sites.joined(separator: "\n"))
            }
            """
        let file = directory.appendingPathComponent("nginx.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", directory.path, "-c", file.path, "-g", "daemon off;"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
