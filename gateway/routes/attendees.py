from gateway.http import api, created, read_json
from services.registration.schemas import AttendeeSchema, RegisteredSchema, RegistrationSchema


class AttendeeRoutes:
    @api(
        "POST",
        "/v1/registrations",
        "Register an attendee",
        "attendees",
        body=RegistrationSchema,
        response=RegisteredSchema,
        status=201,
        errors=[409, 422],
    )
    def register(self, request):
        payload = read_json(request, RegistrationSchema, self.max_body_bytes)
        return created(self.registration.register(payload))

    @api(
        "GET",
        "/v1/me",
        "The calling attendee's profile",
        "attendees",
        auth="attendee",
        response=AttendeeSchema,
    )
    def me(self, request):
        return self.require_attendee(request)
