//! The typed calls, by resource (reference §6). Paths the reference marks as unknown
//! are not guessed here: use [`DeployClient::raw`].

use serde::de::DeserializeOwned;
use storkit_core::http::Method;
use storkit_core::http::header::CONTENT_TYPE;
use storkit_core::multipart::Multipart;
use storkit_core::secrecy::SecretString;
use storkit_core::{Error, ErrorKind};

use crate::client::DeployClient;
use crate::error::OntapError;
use crate::jobs::JobHandle;
use crate::model::{
    Availability, Cluster, ClusterUpdate, Collection, ConnectivityCheckRequest, Credential,
    DeployRequest, DiskList, Host, HostBatch, Image, License, Mediator, Network, NetworkPurpose,
    NetworkUpdate, NewCluster, NewCredential, Node, NodeCount, NodeUpdate, PoolArray, Resize,
    StoragePool, decode_collection, decode_record,
};
use crate::query::{Fields, Query};

/// What [`DeployClient::add_credential`] did.
#[derive(Debug)]
#[non_exhaustive]
pub enum CredentialAdded {
    /// A credential for the same host and user existed already: nothing was sent.
    Existing(Credential),
    /// The credential is being stored; wait on the job.
    Started(JobHandle),
}

impl DeployClient {
    async fn get_collection<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &Query,
    ) -> Result<Vec<T>, Error> {
        let request = self.request(Method::GET, segments, query)?;
        let answer = self.send(request).await?;
        let collection: Collection<T> = decode_collection(&answer.body)?;
        Ok(collection.records)
    }

    async fn get_record<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        fields: Fields,
    ) -> Result<T, Error> {
        let request = self.request(Method::GET, segments, &Query::new().fields(fields))?;
        let answer = self.send(request).await?;
        Ok(decode_record(&answer.body)?)
    }

    async fn send_json(
        &self,
        method: Method,
        segments: &[&str],
        query: &Query,
        body: &serde_json::Value,
    ) -> Result<crate::client::Answer, Error> {
        let request = Self::with_json(self.request(method, segments, query)?, body)?;
        self.send(request).await
    }

    /// Exactly one record of `list`, or an error saying how many there were.
    fn exactly_one<T>(mut list: Vec<T>, what: &str) -> Result<Option<T>, Error> {
        match list.len() {
            0 => Ok(None),
            1 => Ok(list.pop()),
            n => Err(Error::new(ErrorKind::Conflict)
                .with_message(format!("{n} records match {what}; expected at most one"))),
        }
    }

    // ---- credentials -------------------------------------------------------------------

    /// `GET /security/credentials` with `query` (e.g. `Query::new().eq("hostname", h)`).
    pub async fn credentials(&self, query: &Query) -> Result<Vec<Credential>, Error> {
        self.get_collection(&["security", "credentials"], query)
            .await
    }

    /// `GET /security/credentials/{id}`.
    pub async fn credential(&self, id: &str) -> Result<Credential, Error> {
        self.get_record(&["security", "credentials", id], Fields::Cheap)
            .await
    }

    /// Adds a credential unless one for the same host and user exists (looked up first,
    /// as NetApp's samples do, so that running a workflow twice changes nothing).
    pub async fn add_credential(
        &self,
        credential: &NewCredential,
    ) -> Result<CredentialAdded, Error> {
        let body = credential.to_json()?;
        let query = Query::new()
            .eq("hostname", &credential.hostname)
            .eq("username", &credential.username)
            .fields(Fields::Cheap);
        let found = Self::exactly_one(self.credentials(&query).await?, "the credential")?;
        if let Some(existing) = found {
            return Ok(CredentialAdded::Existing(existing));
        }
        let answer = self
            .send_json(
                Method::POST,
                &["security", "credentials"],
                &Query::new(),
                &body,
            )
            .await?;
        Ok(CredentialAdded::Started(
            self.job_of(&answer, "POST /security/credentials")?,
        ))
    }

    /// `DELETE /security/credentials/{id}`; waits for the job if Deploy starts one.
    pub async fn delete_credential(&self, id: &str) -> Result<(), Error> {
        let request = self.request(
            Method::DELETE,
            &["security", "credentials", id],
            &Query::new(),
        )?;
        let answer = self.send(request).await?;
        self.settle(&answer).await
    }

    // ---- hosts -----------------------------------------------------------------------

    /// `GET /hosts` with `query` (`Query::new().param("invalidate_cache", "true")` to
    /// make Deploy ask the hypervisors again).
    pub async fn hosts(&self, query: &Query) -> Result<Vec<Host>, Error> {
        self.get_collection(&["hosts"], query).await
    }

    /// `GET /hosts/{id}` with `fields`.
    pub async fn host(&self, id: &str, fields: Fields) -> Result<Host, Error> {
        self.get_record(&["hosts", id], fields).await
    }

    /// The host named `name`, if Deploy knows it (an error if several match).
    pub async fn find_host(&self, name: &str) -> Result<Option<Host>, Error> {
        let hosts = self
            .hosts(&Query::new().eq("name", name).fields(Fields::Cheap))
            .await?;
        Self::exactly_one(hosts, &format!("host {name}"))
    }

    /// `POST /hosts`: registers a batch of hosts in one job.
    pub async fn register_hosts(&self, batch: &HostBatch) -> Result<JobHandle, Error> {
        let answer = self
            .send_json(Method::POST, &["hosts"], &Query::new(), &batch.to_json()?)
            .await?;
        self.job_of(&answer, "POST /hosts")
    }

    /// `DELETE /hosts/{id}`; waits for the job if Deploy starts one.
    pub async fn delete_host(&self, id: &str) -> Result<(), Error> {
        let request = self.request(Method::DELETE, &["hosts", id], &Query::new())?;
        let answer = self.send(request).await?;
        self.settle(&answer).await
    }

    // ---- clusters --------------------------------------------------------------------

    /// `GET /clusters` with `query`.
    pub async fn clusters(&self, query: &Query) -> Result<Vec<Cluster>, Error> {
        self.get_collection(&["clusters"], query).await
    }

    /// `GET /clusters/{id}` with `fields` (`Fields::List(vec!["state".into()])`,
    /// `Fields::Cheap`, ...).
    pub async fn cluster(&self, id: &str, fields: Fields) -> Result<Cluster, Error> {
        self.get_record(&["clusters", id], fields).await
    }

    /// The cluster named `name`, if any (an error if several match).
    pub async fn find_cluster(&self, name: &str) -> Result<Option<Cluster>, Error> {
        let clusters = self
            .clusters(&Query::new().eq("name", name).fields(Fields::Cheap))
            .await?;
        Self::exactly_one(clusters, &format!("cluster {name}"))
    }

    /// `POST /clusters?node_count=N`: creates the cluster (synchronous, 201) and returns
    /// its id, read from `location` (or, if Deploy sends none, looked up by name).
    pub async fn create_cluster(
        &self,
        cluster: &NewCluster,
        nodes: NodeCount,
    ) -> Result<String, Error> {
        let query = Query::new().param("node_count", nodes.get());
        let answer = self
            .send_json(Method::POST, &["clusters"], &query, &cluster.to_json()?)
            .await?;
        self.settle(&answer).await?;
        if let Some(id) = answer.location_id {
            return Ok(id);
        }
        self.find_cluster(&cluster.name)
            .await?
            .and_then(|c| c.id)
            .ok_or_else(|| {
                OntapError::Unexpected {
                    status: answer.status.as_u16(),
                    detail: format!(
                        "cluster {} created but neither location nor a lookup names it",
                        cluster.name
                    ),
                }
                .into()
            })
    }

    /// `PATCH /clusters/{id}`: sets the fields given (name, ip, netmask, gateway, DNS,
    /// NTP); only those are sent.
    pub async fn configure_cluster(&self, id: &str, update: &ClusterUpdate) -> Result<(), Error> {
        let answer = self
            .send_json(
                Method::PATCH,
                &["clusters", id],
                &Query::new(),
                &update.to_json()?,
            )
            .await?;
        self.settle(&answer).await
    }

    /// `POST /clusters/{id}/deploy?inhibit_rollback=…` with the ONTAP admin password:
    /// deploys the cluster (a job of tens of minutes).
    pub async fn deploy_cluster(
        &self,
        id: &str,
        request: &DeployRequest,
        inhibit_rollback: bool,
    ) -> Result<JobHandle, Error> {
        let query = Query::new().param(
            "inhibit_rollback",
            if inhibit_rollback { "true" } else { "false" },
        );
        let answer = self
            .send_json(
                Method::POST,
                &["clusters", id, "deploy"],
                &query,
                &request.to_json()?,
            )
            .await?;
        self.job_of(&answer, "POST /clusters/{id}/deploy")
    }

    /// `PATCH /clusters/{id}` with `{"availability": …}`: powers the cluster off or on.
    pub async fn set_availability(
        &self,
        id: &str,
        availability: Availability,
    ) -> Result<JobHandle, Error> {
        let answer = self
            .send_json(
                Method::PATCH,
                &["clusters", id],
                &Query::new(),
                &availability.to_json()?,
            )
            .await?;
        self.job_of(&answer, "PATCH /clusters/{id} availability")
    }

    /// `PATCH /clusters/{id}` with the ONTAP admin password and new instance types.
    pub async fn resize_cluster(&self, id: &str, resize: &Resize) -> Result<JobHandle, Error> {
        let answer = self
            .send_json(
                Method::PATCH,
                &["clusters", id],
                &Query::new(),
                &resize.to_json()?,
            )
            .await?;
        self.job_of(&answer, "PATCH /clusters/{id} resize")
    }

    /// `DELETE /clusters/{id}` (the cluster must be powered off).
    pub async fn delete_cluster(&self, id: &str) -> Result<JobHandle, Error> {
        let request = self.request(Method::DELETE, &["clusters", id], &Query::new())?;
        let answer = self.send(request).await?;
        self.job_of(&answer, "DELETE /clusters/{id}")
    }

    /// Powers the cluster off if it is on, then deletes it, waiting for both jobs
    /// (NetApp's `delete_cluster.py`).
    pub async fn power_off_and_delete(&self, id: &str) -> Result<(), Error> {
        let cluster = self.cluster(id, Fields::List(vec!["state".into()])).await?;
        if cluster.state.as_deref() == Some("powered_on") {
            self.set_availability(id, Availability::PoweredOff)
                .await?
                .wait()
                .await?;
        }
        self.delete_cluster(id).await?.wait().await?;
        Ok(())
    }

    // ---- nodes, networks, storage ------------------------------------------------------

    /// `GET /clusters/{cid}/nodes` with `query`.
    pub async fn nodes(&self, cluster: &str, query: &Query) -> Result<Vec<Node>, Error> {
        self.get_collection(&["clusters", cluster, "nodes"], query)
            .await
    }

    /// `GET /clusters/{cid}/nodes/{nid}` with `fields`.
    pub async fn node(&self, cluster: &str, node: &str, fields: Fields) -> Result<Node, Error> {
        self.get_record(&["clusters", cluster, "nodes", node], fields)
            .await
    }

    /// `PATCH /clusters/{cid}/nodes/{nid}`: host, instance type, IP, disks, licence, ...
    pub async fn configure_node(
        &self,
        cluster: &str,
        node: &str,
        update: &NodeUpdate,
    ) -> Result<(), Error> {
        let answer = self
            .send_json(
                Method::PATCH,
                &["clusters", cluster, "nodes", node],
                &Query::new(),
                &update.to_json()?,
            )
            .await?;
        self.settle(&answer).await
    }

    /// `GET …/nodes/{nid}/networks` with `query`.
    pub async fn networks(
        &self,
        cluster: &str,
        node: &str,
        query: &Query,
    ) -> Result<Vec<Network>, Error> {
        self.get_collection(&["clusters", cluster, "nodes", node, "networks"], query)
            .await
    }

    /// The node's network with `purpose` (chosen by purpose, never by position: Deploy
    /// does not promise an order), or `None` (a single node has no internal network).
    pub async fn network_by_purpose(
        &self,
        cluster: &str,
        node: &str,
        purpose: NetworkPurpose,
    ) -> Result<Option<Network>, Error> {
        let query = Query::new().fields(Fields::List(vec![
            "id".into(),
            "purpose".into(),
            "name".into(),
        ]));
        let networks = self.networks(cluster, node, &query).await?;
        Self::exactly_one(
            networks
                .into_iter()
                .filter(|n| n.purpose.as_ref() == Some(&purpose))
                .collect(),
            "the network purpose",
        )
    }

    /// `PATCH …/networks/{netid}`: the port group or bridge and VLAN.
    pub async fn configure_network(
        &self,
        cluster: &str,
        node: &str,
        network: &str,
        update: &NetworkUpdate,
    ) -> Result<(), Error> {
        let answer = self
            .send_json(
                Method::PATCH,
                &["clusters", cluster, "nodes", node, "networks", network],
                &Query::new(),
                &update.to_json()?,
            )
            .await?;
        self.settle(&answer).await
    }

    /// `GET …/nodes/{nid}/storage/pools?fields=*`: the pools with their capacity (the key
    /// fields alone would leave it out).
    pub async fn storage_pools(
        &self,
        cluster: &str,
        node: &str,
    ) -> Result<Vec<StoragePool>, Error> {
        self.get_collection(
            &["clusters", cluster, "nodes", node, "storage", "pools"],
            &Query::new().fields(Fields::Cheap),
        )
        .await
    }

    /// `POST …/nodes/{nid}/storage/pools`: attaches pools. Deploy answers 200, 201 or 202
    /// depending on the release; a job, when there is one, is waited for.
    pub async fn add_storage_pools(
        &self,
        cluster: &str,
        node: &str,
        pools: &PoolArray,
    ) -> Result<(), Error> {
        let answer = self
            .send_json(
                Method::POST,
                &["clusters", cluster, "nodes", node, "storage", "pools"],
                &Query::new(),
                &pools.to_json()?,
            )
            .await?;
        self.settle(&answer).await
    }

    /// `DELETE …/storage/pools/{pool}`: detaches a pool.
    pub async fn remove_storage_pool(
        &self,
        cluster: &str,
        node: &str,
        pool: &str,
    ) -> Result<(), Error> {
        let request = self.request(
            Method::DELETE,
            &["clusters", cluster, "nodes", node, "storage", "pools", pool],
            &Query::new(),
        )?;
        let answer = self.send(request).await?;
        self.settle(&answer).await
    }

    /// `POST …/nodes/{nid}/storage/disks` (software RAID). The disk item shape is not
    /// public (reference §6): the names are sent as given.
    pub async fn add_disks(
        &self,
        cluster: &str,
        node: &str,
        disks: &DiskList,
    ) -> Result<(), Error> {
        let answer = self
            .send_json(
                Method::POST,
                &["clusters", cluster, "nodes", node, "storage", "disks"],
                &Query::new(),
                &disks.to_json()?,
            )
            .await?;
        self.settle(&answer).await
    }

    // ---- licences, checks, images, mediators ------------------------------------------

    /// `GET /licensing/licenses` with `query` (`Query::new().eq("id", serial)`).
    pub async fn licenses(&self, query: &Query) -> Result<Vec<License>, Error> {
        self.get_collection(&["licensing", "licenses"], query).await
    }

    /// `POST /licensing/licenses`: uploads a licence file (NLF) as multipart part
    /// `license_file`. Returns the job when Deploy starts one.
    pub async fn upload_license(
        &self,
        file_name: &str,
        nlf: Vec<u8>,
    ) -> Result<Option<JobHandle>, Error> {
        let form = Multipart::new().file("license_file", file_name, "application/json", nlf);
        self.send_form(Method::POST, &["licensing", "licenses"], form)
            .await
    }

    /// `PUT /licensing/licenses/{serial}`: replaces a licence; a licence in use by a
    /// deployed node needs the ONTAP credentials (`ontap_username`, `ontap_password`).
    pub async fn update_license(
        &self,
        serial: &str,
        file_name: &str,
        nlf: Vec<u8>,
        ontap: Option<(&str, &SecretString)>,
    ) -> Result<Option<JobHandle>, Error> {
        let mut form = Multipart::new().file("license_file", file_name, "application/json", nlf);
        if let Some((user, password)) = ontap {
            form = form
                .text("ontap_username", user)
                .sensitive_text("ontap_password", password);
        }
        self.send_form(Method::PUT, &["licensing", "licenses", serial], form)
            .await
    }

    async fn send_form(
        &self,
        method: Method,
        segments: &[&str],
        form: Multipart,
    ) -> Result<Option<JobHandle>, Error> {
        let content_type = storkit_core::http::HeaderValue::try_from(form.content_type())
            .map_err(|e| Error::config("bad multipart content type").with_source(e))?;
        let request = self
            .request(method, segments, &Query::new())?
            .header(CONTENT_TYPE, content_type)
            .body(form.into_body());
        let answer = self.send(request).await?;
        self.maybe_job(&answer)
    }

    /// `POST /network/connectivitychecks`: starts a network connectivity check.
    pub async fn start_connectivity_check(
        &self,
        check: &ConnectivityCheckRequest,
    ) -> Result<JobHandle, Error> {
        let answer = self
            .send_json(
                Method::POST,
                &["network", "connectivitychecks"],
                &Query::new(),
                &check.to_json()?,
            )
            .await?;
        self.job_of(&answer, "POST /network/connectivitychecks")
    }

    /// `GET /images`: the ONTAP images Deploy can install.
    pub async fn images(&self, query: &Query) -> Result<Vec<Image>, Error> {
        self.get_collection(&["images"], query).await
    }

    /// `GET /mediators`.
    pub async fn mediators(&self, query: &Query) -> Result<Vec<Mediator>, Error> {
        self.get_collection(&["mediators"], query).await
    }
}
