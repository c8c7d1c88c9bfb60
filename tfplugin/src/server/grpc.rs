//! The small piece of gRPC plumbing that generated code would otherwise provide: routing a
//! request by its path to a unary or server-streaming handler, with the codec and message
//! size limits applied.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;

use futures_core::Stream;
use tonic::body::BoxBody;
use tonic::codec::ProstCodec;
use tonic::server::{Grpc, ServerStreamingService, UnaryService};
use tonic::{Request, Response, Status};

/// The largest message either way: what Terraform's own plugin client allows
/// (`math.MaxInt32`), so that no schema, state or plan is ever refused for its size.
pub const MAX_MESSAGE_SIZE: usize = i32::MAX as usize;

/// A boxed future, as the services return them.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A boxed stream of messages.
pub type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// One call of a unary RPC, answered by a closure.
struct Unary<F>(Option<F>);

impl<Req, Res, F, Fut> UnaryService<Req> for Unary<F>
where
    F: FnOnce(Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Res, Status>> + Send + 'static,
    Req: Send + 'static,
{
    type Response = Res;
    type Future = BoxFuture<Result<Response<Res>, Status>>;

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        let handler = self.0.take();
        Box::pin(async move {
            let handler = handler.ok_or_else(|| Status::internal("a handler ran twice"))?;
            handler(request.into_inner()).await.map(Response::new)
        })
    }
}

/// One call of a server-streaming RPC, answered by a closure that returns the stream.
struct Streaming<F>(Option<F>);

impl<Req, Res, F, Fut> ServerStreamingService<Req> for Streaming<F>
where
    F: FnOnce(Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<BoxStream<Res>, Status>> + Send + 'static,
    Req: Send + 'static,
    Res: Send + 'static,
{
    type Response = Res;
    type ResponseStream = BoxStream<Res>;
    type Future = BoxFuture<Result<Response<BoxStream<Res>>, Status>>;

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        let handler = self.0.take();
        Box::pin(async move {
            let handler = handler.ok_or_else(|| Status::internal("a handler ran twice"))?;
            handler(request.into_inner()).await.map(Response::new)
        })
    }
}

fn grpc<Req, Res>() -> Grpc<ProstCodec<Res, Req>>
where
    Req: prost::Message + Default + Send + 'static,
    Res: prost::Message + Send + 'static,
{
    Grpc::new(ProstCodec::default())
        .apply_max_message_size_config(Some(MAX_MESSAGE_SIZE), Some(MAX_MESSAGE_SIZE))
}

/// Answers `request` with the unary `handler`.
pub fn unary<Req, Res, F, Fut>(
    request: http::Request<BoxBody>,
    handler: F,
) -> BoxFuture<Result<http::Response<BoxBody>, Infallible>>
where
    Req: prost::Message + Default + Send + 'static,
    Res: prost::Message + Send + 'static,
    F: FnOnce(Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Res, Status>> + Send + 'static,
{
    Box::pin(async move {
        let mut grpc = grpc::<Req, Res>();
        Ok(grpc.unary(Unary(Some(handler)), request).await)
    })
}

/// Answers `request` with the server-streaming `handler`.
pub fn server_streaming<Req, Res, F, Fut>(
    request: http::Request<BoxBody>,
    handler: F,
) -> BoxFuture<Result<http::Response<BoxBody>, Infallible>>
where
    Req: prost::Message + Default + Send + 'static,
    Res: prost::Message + Send + 'static,
    F: FnOnce(Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<BoxStream<Res>, Status>> + Send + 'static,
{
    Box::pin(async move {
        let mut grpc = grpc::<Req, Res>();
        Ok(grpc
            .server_streaming(Streaming(Some(handler)), request)
            .await)
    })
}

/// The answer to a method this server does not implement: gRPC status `Unimplemented`, which
/// Terraform reads as "this provider predates that RPC".
pub fn unimplemented(path: &str) -> BoxFuture<Result<http::Response<BoxBody>, Infallible>> {
    let status = Status::unimplemented(format!("{path} is not implemented by this plugin"));
    Box::pin(async move { Ok(status.into_http()) })
}
