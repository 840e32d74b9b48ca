//! Namespace information (`/proc`) and directory listings, for a client built on a
//! namespace FQDN.

use storkit_core::http::StatusCode;
use storkit_core::{Error, Request, Response};

use crate::client::{HcpClient, object_path, status_error};
use crate::replica::Access;
use crate::xml::listing::{DirectoryListing, decode_listing};
use crate::xml::proc::{
    NamespaceSettings, NamespaceStatistics, Permissions, RetentionClass, decode_namespaces,
    decode_permissions, decode_retention_classes, decode_statistics,
};

impl HcpClient {
    async fn proc(&self, request: Request) -> Result<Response, Error> {
        let r = self.send(request).await?;
        if r.status() != StatusCode::OK {
            // 401: no access to this namespace; 403: credentials.
            return Err(status_error(&r));
        }
        Ok(r)
    }

    /// The namespace's statistics (`GET /proc/statistics`): capacity, quota, object
    /// counts.
    pub async fn namespace_statistics(&self) -> Result<NamespaceStatistics, Error> {
        let r = self.proc(Request::get("/proc/statistics")).await?;
        decode_statistics(r.body())
    }

    /// The settings of this namespace (`all == false`, `GET /proc?single=true`) or of
    /// every namespace the user can access (`all == true`, `GET /proc`).
    pub async fn accessible_namespaces(&self, all: bool) -> Result<Vec<NamespaceSettings>, Error> {
        let request = if all {
            Request::get("/proc")
        } else {
            Request::get("/proc").query("single", "true")
        };
        let r = self.proc(request).await?;
        decode_namespaces(r.body())
    }

    /// The retention classes of the namespace (`GET /proc/retentionClasses`).
    pub async fn retention_classes(&self) -> Result<Vec<RetentionClass>, Error> {
        let r = self.proc(Request::get("/proc/retentionClasses")).await?;
        decode_retention_classes(r.body())
    }

    /// The namespace's and the user's permissions (`GET /proc/permissions`).
    pub async fn permissions(&self) -> Result<Permissions, Error> {
        let r = self.proc(Request::get("/proc/permissions")).await?;
        decode_permissions(r.body())
    }

    /// A directory's entries (`GET` on the directory).
    pub async fn list_directory(&self, path: &str) -> Result<DirectoryListing, Error> {
        self.routed(Access::Read, |c| async move {
            let r = c.send(Request::get(object_path(path))).await?;
            if r.status() != StatusCode::OK {
                return Err(status_error(&r));
            }
            decode_listing(r.body())
        })
        .await
    }
}
